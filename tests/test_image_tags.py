"""{% picture %}: the one markup of every uploaded image the public pages show."""

from django.template import engines
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy

from core.templatetags.image_tags import _escaped

MADE = {
    "url": "/media/a-960w.jpeg", "width": 1200, "height": 800,
    "jpeg_srcset": "/media/a-480w.jpeg 480w, /media/a-960w.jpeg 960w",
    "webp_srcset": "/media/a-480w.webp 480w, /media/a-960w.webp 960w",
}
# Before the task worker has made the renditions: the original, no WebP.
ORIGINAL = {"url": "/media/a.jpg", "width": 1200, "height": 800,
            "jpeg_srcset": "/media/a.jpg 1200w", "webp_srcset": ""}


def render(source, **context):
    return engines["django"].from_string("{% load image_tags %}" + source).render(context)


def test_webp_first_then_the_jpeg_with_the_same_sizes():
    html = render('{% picture image alt="Cranes at dawn" sizes="100vw" %}', image=MADE)
    assert html == (
        '<picture><source type="image/webp" srcset="/media/a-480w.webp 480w, '
        '/media/a-960w.webp 960w" sizes="100vw">'
        '<img src="/media/a-960w.jpeg" srcset="/media/a-480w.jpeg 480w, /media/a-960w.jpeg 960w"'
        ' sizes="100vw" alt="Cranes at dawn" width="1200" height="800" loading="lazy"'
        ' decoding="async"></picture>')


def test_no_webp_source_until_the_renditions_are_made():
    html = render('{% picture image alt="" sizes="100vw" %}', image=ORIGINAL)
    assert "<source" not in html and "image/webp" not in html
    assert '<img src="/media/a.jpg" srcset="/media/a.jpg 1200w" sizes="100vw" alt=""' in html


def test_nothing_without_an_image():
    assert render('{% picture image alt="x" sizes="100vw" %}', image=None) == ""


def test_the_image_that_opens_the_page_is_fetched_first_and_not_lazily():
    html = render('{% picture image alt="x" sizes="100vw" loading="" fetchpriority="high" %}',
                  image=MADE)
    assert "loading=" not in html
    assert ' fetchpriority="high" decoding="async">' in html


def test_class_and_display_size_for_avatars():
    html = render('{% picture image alt=name sizes="48px" css_class="avatar avatar-ai" '
                  'width=48 height=48 %}', image=MADE, name="EVA Ledger")
    assert '<img class="avatar avatar-ai" src="/media/a-960w.jpeg"' in html
    assert ' width="48" height="48" ' in html


def test_every_value_is_escaped():
    hostile = {**MADE, "url": '/media/"><script>.jpeg',
               "webp_srcset": '/media/x.webp 1w"onerror="alert(1)'}
    html = render("{% picture image alt=alt sizes=sizes css_class=css %}", image=hostile,
                  alt='Quote " and <tag>', sizes='1px" onload="x', css='a" b')
    assert 'src="/media/&quot;&gt;&lt;script&gt;.jpeg"' in html
    assert 'alt="Quote &quot; and &lt;tag&gt;"' in html
    assert 'sizes="1px&quot; onload=&quot;x"' in html
    assert 'class="a&quot; b"' in html
    assert 'srcset="/media/x.webp 1w&quot;onerror=&quot;alert(1)"' in html


def test_safe_and_lazy_values_are_escaped_as_conditional_escape_does():
    for value in ["it's <b>", mark_safe("Caf&eacute; &amp; <b>"), format_lazy("{}'s", "EVA"),
                  1200, "&amp;"]:
        assert _escaped(value) == conditional_escape(value)
    html = render("{% picture image alt=alt sizes='100vw' %}", image=MADE,
                  alt=mark_safe("Caf&eacute;"))
    assert 'alt="Caf&eacute;"' in html  # already safe: not escaped twice
