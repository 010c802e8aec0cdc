"""The task queue's "Queue again" action in a real Chromium (newsletter/admin.py).

A superuser finds an email that failed after every try, queues it again from
the list, and sees it waiting. Screenshots go to screenshots/task-queue/
(git-ignored), at 1280 px and 390 px, light and dark, to be looked at.
"""

from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from tests.browser import axe
from tests.browser.shots import each_look
from tests.factories import UserFactory
from tests.tasks import failed_email

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "task-queue"
PASSWORD = "a-long-test-passphrase"  # UserFactory's
LIST = "/admin/django_tasks_database/dbtaskresult/"
# The lines an element's text stands on.
LINES = """el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
}"""


@pytest.fixture
def failed(flaky_mail):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    return failed_email()


def test_a_superuser_queues_a_failed_email_again(live_server, new_page, failed):
    page = new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}{LIST}?status__exact=FAILED")
    SHOTS.mkdir(parents=True, exist_ok=True)

    def queue_again(name, told):
        rows = page.locator("#result_list tbody tr")
        assert rows.count() == 1  # the failed email, still failed: its new task is another
        rows.locator("input.action-select").check()
        page.select_option("select[name=action]", "queue_again")
        page.click("button[name=index]")
        # The answer's page loaded before the looks are turned: turned while it loaded, the
        # page's script context went with the navigation.
        expect(page.locator(".messagelist")).to_contain_text(told)
        task_id = page.locator("#result_list th.field-id a")
        task_name = page.locator("#result_list td.field-task_name")
        for width, scheme in each_look(page):
            # The id breaks at its hyphens only (five lines at most), not a character a
            # line on a phone, and the task's name stays whole.
            assert task_id.evaluate("a => a.getClientRects().length") <= 5, (width, scheme)
            assert task_name.evaluate(LINES) == 1, (width, scheme)
            page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
            assert axe.serious(page) == [], (name, width, scheme)

    queue_again("queued-again", "Queued 1 task again.")
    assert page.locator(".messagelist .success").inner_text() == "Queued 1 task again."
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.args_kwargs == failed.args_kwargs

    queue_again("queued-once", "1 left as it was")  # a second click queues nothing more
    assert page.locator(".messagelist .warning").inner_text().startswith(
        "1 left as it was: only a task that failed")
    assert DBTaskResult.objects.filter(status="READY").count() == 1
