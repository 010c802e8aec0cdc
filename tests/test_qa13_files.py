"""What the site hands out as files and feeds, QA round 13: CSV a spreadsheet opens as
written, feeds that print headlines as the pages do, and feeds and exports that stay
valid (and keep unpublished stories out) off the happy path.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from comments.models import ModerationAction
from tests.factories import ArticleFactory, BiasReportFactory, UserFactory

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"
EXPORTS = ["/admin/standards/biasreport/export.csv",
           "/admin/comments/moderationaction/export.csv"]


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def body(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.fixture
def accented(client):
    """A bias report on a story and a moderation entry whose text is not ASCII."""
    story = ArticleFactory(headline="Café owners’ “rights” 🚀 ضد")
    BiasReportFactory(article=story, reason="other", status="new")
    moderator = staff("Moderators", "modé")
    ModerationAction.objects.create(moderator=moderator, action="comment hidden",
                                    target="comment 1 by zoë", reason="Abusé ’ 🚀")
    client.force_login(moderator)
    return client


@pytest.mark.parametrize("url", EXPORTS)
def test_a_csv_export_opens_in_a_spreadsheet_as_utf8(accented, url):
    """Excel reads a CSV without a byte order mark in the machine's legacy code page:
    "Café" showed as "CafÃ©". The export starts with the UTF-8 BOM, once."""
    data = body(accented.get(url))
    assert data.startswith(BOM)
    assert data.count(BOM) == 1
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] in ("reference", "created")
    assert any("🚀" in cell for row in rows[1:] for cell in row)


def test_the_bom_comes_once_in_a_streamed_export(client, monkeypatch):
    monkeypatch.setattr("core.admin.CSV_CHUNK_ROWS", 2)
    moderator = staff("Moderators", "mod")
    ModerationAction.objects.bulk_create(
        ModerationAction(moderator=moderator, action="comment hidden", target=f"comment {n}",
                         created_at=timezone.now() - timedelta(hours=n)) for n in range(5))
    client.force_login(moderator)
    response = client.get(EXPORTS[1])
    chunks = list(response.streaming_content)
    assert len(chunks) == 3
    assert chunks[0].startswith(BOM) and not any(BOM in chunk for chunk in chunks[1:])
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert rows[0] == ["created", "moderator", "action", "target", "reason"]
    assert len(rows) == 6
