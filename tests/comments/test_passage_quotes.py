"""A reader's quoted passage is found whether it has straight or typographic quotes."""

import pytest
from django.contrib.auth.models import Group

from core.text import render_markdown
from standards.passages import mark_passage, story_blocks
from tests.factories import ArticleFactory, BiasReportFactory, UserFactory


def marked(blocks):
    return [text for block in blocks for text, is_marked in block.segments if is_marked]


BODY = 'The mayor called the protesters "a mob." It\'s the council\'s worst week.'


@pytest.mark.parametrize("passage", [
    'called the protesters "a mob." It\'s',  # as the editor typed it
    "called the protesters “a mob.” It’s",  # as the page prints it, copied
    "called the protesters «a mob.» It´s",  # other keyboards' quotes
    "CALLED the protesters „a mob.‟ Itʼs",
])
def test_straight_and_typographic_quotes_find_the_same_passage(passage):
    blocks = story_blocks("Council row", "", render_markdown(BODY))
    assert blocks[1].text == ("The mayor called the protesters “a mob.” "
                              "It’s the council’s worst week.")
    assert mark_passage(blocks, passage) == 1
    assert marked(blocks) == ["called the protesters “a mob.” It’s"]


def test_the_headline_and_dek_read_as_printed_and_match_either_quote():
    blocks = story_blocks('Mayor\'s "mob" remark', "'Unfair', say residents", "<p>Body.</p>")
    assert [blocks[0].text, blocks[1].text] == ["Mayor’s “mob” remark", "‘Unfair’, say residents"]
    assert mark_passage(blocks, 'Mayor\'s "mob"') == 1
    assert mark_passage(blocks, "‘Unfair’, say") == 1
    assert marked(blocks) == ["Mayor’s “mob”", "‘Unfair’, say"]


@pytest.mark.django_db
def test_the_triage_desk_marks_a_straight_quoted_report_in_the_typographic_story(client):
    story = ArticleFactory(headline="Council row", body=BODY)
    BiasReportFactory(article=story, quoted_passage='protesters "a mob."')
    moderator = UserFactory(username="mod", is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    page = client.get("/admin/moderation/bias-reports/").content.decode()
    assert "<mark>protesters “a mob.”</mark>" in page
