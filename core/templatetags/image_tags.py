"""The <picture> element of an uploaded image, one markup for every page that shows one."""

import html

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def picture(image, *, alt, sizes, css_class="", width=None, height=None, loading="lazy",
            fetchpriority=""):
    """<picture>: the WebP renditions where they are made, then the JPEG ones.

    image is what core.images.picture() gives (a story's `hero`, an author's
    `avatar_image`); nothing is shown without one. sizes: the widths the CSS
    gives the image. width and height default to the original's (they keep
    its aspect ratio for layout); a width alone, the widest the CSS shows
    the image, gets the height of the original's aspect ratio: without the
    stylesheet a card's picture is then that wide, not the original's 1,600
    pixels. loading="" leaves the browser's default, fetchpriority="high"
    marks the image that opens the page.

    Built in Python, as Wagtail's image tags build theirs: the same markup
    was written out in five templates, each with its own small differences.
    """
    if not image:
        return ""
    if width is not None and height is None and image["width"]:
        height = round(int(width) * image["height"] / image["width"])
    sizes = _escaped(sizes)
    webp = image["webp_srcset"]
    source = (f'<source type="image/webp" srcset="{_escaped(webp)}" sizes="{sizes}">'
              if webp else "")
    attributes = [
        f' class="{_escaped(css_class)}"' if css_class else "",
        f' src="{_escaped(image["url"])}"',
        f' srcset="{_escaped(image["jpeg_srcset"])}" sizes="{sizes}"',
        f' alt="{_escaped(alt)}"',
        f' width="{_escaped(image["width"] if width is None else width)}"',
        f' height="{_escaped(image["height"] if height is None else height)}"',
        f' loading="{_escaped(loading)}"' if loading else "",
        f' fetchpriority="{_escaped(fetchpriority)}"' if fetchpriority else "",
    ]
    return mark_safe(f'<picture>{source}<img{"".join(attributes)} decoding="async"></picture>')


def _escaped(value):
    """conditional_escape(value), without its look for lazy strings: 1 µs of a story page's
    50 escapes."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))
