"""The edition's HTML holds up in mail clients; the check itself is shown to catch problems."""

from datetime import timedelta

import pytest
from django.core import mail

from tests.factories import ArticleFactory

from .conftest import EDITION
from .emailcheck import problems
from .test_edition import editions, send_edition, subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition_html(newsroom):
    """The edition with a lead photo, as the daily subscriber gets it."""
    ArticleFactory(with_image=True, slug="lead-photo", headline="Ferries return to the harbour",
                   section=newsroom["world"], author=newsroom["human"],
                   published_at=EDITION - timedelta(minutes=10))
    subscriber("daily@example.org", daily=True)
    send_edition()
    message = editions()["daily@example.org"]
    return message, message.alternatives[0].content


def test_the_edition_html_has_nothing_mail_clients_refuse(edition_html):
    message, html = edition_html
    assert problems(html) == []
    # The lead story's photo: absolute, sized for the 600 px column, described.
    assert ('<img src="https://news.example/media/articles/' in html
            and 'width="536" height="357" alt="A harbour at dawn"' in html)
    assert html.count("<img") == 1  # one photo, no tracking pixel
    # Dark mode and the narrow layout where clients support them; colours inline elsewhere.
    assert '<meta name="color-scheme" content="light dark">' in html
    assert "@media (prefers-color-scheme: dark)" in html
    assert html.count('role="presentation"') >= 3
    # Masthead and section names are upper case through CSS, in normal case in the text.
    assert ">Wednesday, December 2, 2026</p>" in html and "text-transform:uppercase" in html


def test_the_plain_text_part_reads_on_its_own(edition_html):
    message, _ = edition_html
    text = message.body
    assert text.startswith("EVA DAILY\nWednesday, December 2, 2026\n")
    assert "Ferries return to the harbour\n" in text
    assert "<" not in text.replace("<https", "")  # no markup leaks into the text part
    assert all(len(line) <= 998 for line in text.splitlines())


def test_the_message_is_multipart_with_text_first():
    """Clients show the last alternative they understand: HTML after plain text."""
    message = mail.EmailMultiAlternatives("s", "text", None, ["a@example.org"])
    message.attach_alternative("<table role=\"presentation\"></table>", "text/html")
    parts = [part.get_content_type() for part in message.message().walk()]
    assert parts == ["multipart/alternative", "text/plain", "text/html"]


@pytest.mark.parametrize(("html", "found"), [
    ('<table role="presentation"><tr><td><script>x()</script></td></tr></table>',
     "<script> is removed by mail clients"),
    ('<link rel="stylesheet" href="https://x.example/a.css"><table role="presentation">'
     '</table>', "<link>: external style sheets are not loaded"),
    ('<style>@import url(https://x.example/a.css);</style><table role="presentation">'
     '</table>', "<style> loads something from outside"),
    ('<table role="presentation"><tr><td><img src="https://x.example/a.jpg" alt="a">'
     '</td></tr></table>', "<img> without width"),
    ('<table role="presentation"><tr><td><img src="https://x.example/a.jpg" width="1" '
     'height="1" alt=""></td></tr></table>', "<img>: empty alt text"),
    ('<table role="presentation"><tr><td><a href="/articles/x/">x</a></td></tr></table>',
     "<a href='/articles/x/'>: not an absolute link"),
    ('<table role="presentation"><tr><td onclick="x()">x</td></tr></table>',
     "<td onclick>: event handlers are removed"),
    ('<div style="display:flex">x</div>', "no table layout"),
])
def test_the_check_catches_what_clients_refuse(html, found):
    assert found in problems(html)
