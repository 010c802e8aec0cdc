"""The newsroom's record in the admin, continued (QA round 12): a correction's history
compares any two of its revisions by number, without JavaScript, as a story's does; a
comment's and a bias report's History pages list their moderation decisions. At 1280 px and
390 px, light and dark.

Screenshots go to screenshots/qa12/ (git-ignored), to be looked at by a person.
"""

import pytest
from django.contrib.auth.models import Group

from comments import moderation
from standards import workflow
from tests.browser import session
from tests.browser.axe import serious
from tests.browser.shots import each_look, shooter
from tests.browser.test_qa12_record import SHOTS, fits, signed_in
from tests.factories import BiasReportFactory, CommentFactory, CorrectionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

shoot = shooter(SHOTS)


@pytest.fixture
def editor(roles):
    user = UserFactory(username="jeditor", first_name="Jane", last_name="Editor",
                       is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def correction(editor):
    """A correction said three ways: first, reworded, then its kind changed."""
    correction = CorrectionFactory(text="An earlier version said the bridge opened in 1931.")
    correction.article.headline = "Harbour bridge turns ninety"
    correction.article.save()
    correction.text = "An earlier version said the bridge opened in 1931; it opened in 1932."
    correction._history_user = editor
    correction.save()
    correction.kind = "clarification"
    correction._history_user = editor
    correction.save()
    return correction


def test_a_correction_s_first_and_last_revisions_are_compared_without_javascript(
        live_server, new_page, correction):
    first, last = correction.history.order_by("history_id")[::2]
    page = signed_in(new_page, live_server, javascript=False)
    page.goto(f"{live_server.url}/admin/standards/correction/{correction.pk}/history/")
    row = page.locator("#change-history tbody tr").last
    for width, scheme in each_look(page):
        assert row.get_by_text(f"No. {first.pk}", exact=True).is_visible()
        assert fits(page), "the history page scrolls sideways"
        shoot(page, "record-history-correction", width, scheme)

    page.set_viewport_size({"width": 1280, "height": 900})
    row.get_by_role("link", name=f"Compare with any other revision: No. {first.pk}",
                    exact=False).click()
    page.wait_for_url("**/history/compare/?from=*")
    for width, scheme in each_look(page):
        assert page.get_by_text(f"the latest is No. {last.pk}", exact=False).is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("To revision No.").fill(str(last.pk))
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/history/compare/?from=*&to=*")
    table = page.locator("#revision-comparison")
    for width, scheme in each_look(page):
        assert table.locator("ins").first.inner_text().startswith("1931; it opened in")
        assert table.get_by_role("cell", name="Clarification").is_visible()
        assert fits(page), "the comparison scrolls sideways"
        shoot(page, "record-history-correction-compared", width, scheme)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("To revision No.").fill("nine")
    page.get_by_role("button", name="Compare").click()
    for width, scheme in each_look(page):
        assert page.get_by_text("“nine” is not the number of a revision of this "
                                "correction.").is_visible()


def test_a_correction_s_history_and_comparison_are_accessible(live_server, new_page, correction):
    first, last = correction.history.order_by("history_id")[::2]
    page = signed_in(new_page, live_server)
    history = f"{live_server.url}/admin/standards/correction/{correction.pk}/history/"
    page.goto(history)
    assert serious(page) == []
    page.goto(f"{history}compare/?from={first.pk}&to={last.pk}")
    assert page.locator("#revision-comparison").is_visible()
    assert serious(page) == []


@pytest.fixture
def moderator(roles):
    user = UserFactory(username="mderator", first_name="Mo", last_name="Derator",
                       is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def decided(moderator):
    """A comment hidden, then approved; a bias report put in review, then dismissed."""
    comment = CommentFactory(status="pending", body="The ferry timetable is wrong again.")
    moderation.decide_comment(comment, "hidden", moderator,
                              "Names a private person; hidden until the name is checked.")
    moderation.decide_comment(comment, "approved", moderator, "")
    report = BiasReportFactory(contact_email="reporter@example.org")
    workflow.decide_bias_report(report, "in_review", moderator, "", tell=False)
    workflow.decide_bias_report(report, "dismissed", moderator,
                                "Checked with the harbour office: the headline quotes its "
                                "statement word for word, so it stands.", tell=False)
    return comment, report


def test_a_comment_s_and_a_bias_report_s_history_list_their_decisions(
        live_server, new_page, decided):
    comment, report = decided
    page = session.signed_in(new_page, live_server, "mderator")
    page.goto(f"{live_server.url}/admin/comments/comment/{comment.pk}/history/")
    listed = page.locator("#moderation-decisions tbody tr")
    for width, scheme in each_look(page):
        assert listed.count() == 2
        assert listed.first.get_by_text("Comment approved").is_visible()
        assert listed.last.get_by_text("Names a private person", exact=False).is_visible()
        assert fits(page), "the comment's history scrolls sideways"
        shoot(page, "record-history-comment-decisions", width, scheme)

    page.goto(f"{live_server.url}/admin/standards/biasreport/{report.pk}/history/")
    listed = page.locator("#moderation-decisions tbody tr")
    for width, scheme in each_look(page):
        assert listed.count() == 2
        assert listed.first.get_by_text("Checked with the harbour office",
                                        exact=False).is_visible()
        assert listed.last.get_by_text("Bias report in review", exact=True).is_visible()
        assert page.get_by_text("None: nothing about it has been saved",
                                exact=False).is_visible()
        assert fits(page), "the bias report's history scrolls sideways"
        shoot(page, "record-history-report-decisions", width, scheme)


def test_a_history_with_decisions_is_accessible(live_server, new_page, decided):
    comment, report = decided
    page = session.signed_in(new_page, live_server, "mderator")
    page.goto(f"{live_server.url}/admin/comments/comment/{comment.pk}/history/")
    assert serious(page) == []
    page.goto(f"{live_server.url}/admin/standards/biasreport/{report.pk}/history/")
    assert serious(page) == []
