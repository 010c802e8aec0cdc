"""QA round 12, the newsroom's record in the admin, continued.

A correction's history compares any two of its revisions by number, as a story's does
(articles.admin.ComparedRevisionsMixin); a correction deleted with its story keeps its 404.
"""

import pytest

from standards.models import Correction
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, CorrectionFactory

CORRECTIONS = "/admin/standards/correction/"


def revised(correction, editor_user, texts):
    """The correction saved again with each text; its history, oldest first."""
    for text in texts:
        correction.text = text
        correction._history_user = editor_user
        correction.save()
    return list(correction.history.order_by("history_date", "history_id"))


@pytest.fixture
def editor(client):
    user = staff("Editors", username="editor", first_name="Jane", last_name="Editor")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_any_two_revisions_of_a_correction_are_compared_by_number(client, editor):
    correction = CorrectionFactory(text="The bridge opened in 1931.")
    texts = [f"The bridge opened in {1800 + n}." for n in range(104)]
    revisions = revised(correction, editor, [*texts, "The bridge opened in 1937, not 1931."])
    oldest, newest = revisions[0], revisions[-1]
    history = f"{CORRECTIONS}{correction.pk}/history/"

    # Its history shows each revision's number and a link to compare it with any other.
    second_page = client.get(f"{history}?p=2").content.decode()
    assert f'<span class="revision-number">No. {oldest.pk}</span>' in second_page
    assert f'href="{history}compare/?from={oldest.pk}"' in second_page
    first_page = client.get(history).content.decode()
    assert f'action="{history}compare/"' in first_page

    asked = client.get(f"{history}compare/", {"from": oldest.pk})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Choose the other revision to compare it with." in page
    assert f"the latest is No. {newest.pk}" in page

    compared = client.get(f"{history}compare/", {"from": newest.pk, "to": oldest.pk})
    assert compared.status_code == 200
    assert (compared.context["older"], compared.context["newer"]) == (oldest, newest)
    rows = {row["label"]: row for row in compared.context["rows"]}
    assert rows["Text"]["changed"] and not rows["Kind"]["changed"]
    assert [text for kind, text in rows["Text"]["diff"] if kind == "added"] == ["1937, not "]
    assert rows["Kind"]["old"] == "Correction"
    assert rows["Article"]["old"] == str(correction.article)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["x", "99999999", "1" * 30])
def test_a_number_that_is_no_revision_of_the_correction_is_said_and_kept(client, editor, typed):
    correction, other = CorrectionFactory(), CorrectionFactory()
    mine = correction.history.get()
    for wrong in (typed, str(other.history.get().pk)):
        response = client.get(f"{CORRECTIONS}{correction.pk}/history/compare/",
                              {"from": mine.pk, "to": wrong})
        page = response.content.decode()
        assert response.status_code == 404
        assert "is not the number of a revision of this correction." in page
        assert f'name="to" value="{wrong}"' in page


@pytest.mark.django_db
def test_a_correction_deleted_alone_is_compared_and_one_deleted_with_its_story_is_not(
        client, editor):
    story = ArticleFactory()
    alone, with_story = CorrectionFactory(article=story), CorrectionFactory()
    alone_first = revised(alone, editor, ["Said again."])[0]
    with_first = revised(with_story, editor, ["Said again."])[0]
    alone_pk, with_story_pk = alone.pk, with_story.pk
    alone.delete()
    with_story.article.delete()

    deletion = Correction.history.filter(id=alone_pk).latest()
    compared = client.get(f"{CORRECTIONS}{alone_pk}/history/compare/",
                          {"from": alone_first.pk, "to": deletion.pk})
    assert compared.status_code == 200
    text = next(row for row in compared.context["rows"] if row["label"] == "Text")
    assert text["new"] == "Said again."
    assert client.get(f"{CORRECTIONS}{with_story_pk}/history/").status_code == 404
    assert client.get(f"{CORRECTIONS}{with_story_pk}/history/compare/",
                      {"from": with_first.pk}).status_code == 404
    assert client.get(f"{CORRECTIONS}x/history/compare/").status_code == 404


@pytest.mark.django_db
def test_a_correction_s_revisions_are_compared_only_by_who_may_see_corrections(client):
    correction = CorrectionFactory()
    client.force_login(staff(username="nobody"))
    assert client.get(f"{CORRECTIONS}{correction.pk}/history/compare/").status_code == 403
