"""QA round 13, the record a reader can read about themselves, and the edition's watcher.

A reader's account page said nothing of what moderators decided about their standing
(a restriction, a suspension, a ban, a lift); the edition's watcher stopped for good when
the database was wholly away while it ran.
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django_tasks_db.models import DBTaskResult

from tests.newsletter import conftest as newsletter_fixtures
from tests.tasks import DATABASE_QUEUE

# The newsletter's stories and clock (tests/newsletter/conftest.py).
clock, newsroom = newsletter_fixtures.clock, newsletter_fixtures.newsroom


# The edition's watcher, the database wholly away --------------------------------------------


class Outage:
    """Every connection to the database refused until `lasts` waits have passed."""

    def __init__(self, lasts):
        self.lasts, self.waits = lasts, []
        self._connect = BaseDatabaseWrapper.ensure_connection

    def ensure_connection(self, wrapper):
        if len(self.waits) < self.lasts:
            raise OperationalError("connection refused: the database is away")
        return self._connect(wrapper)

    def sleep(self, seconds):
        self.waits.append(seconds)

    def __enter__(self):
        outage = self
        self._patches = [
            mock.patch.object(BaseDatabaseWrapper, "ensure_connection",
                              lambda wrapper: outage.ensure_connection(wrapper)),
            mock.patch("newsletter.tasks.sleep", self.sleep)]
        from django.db import connection
        connection.close()  # the next query connects, and is refused
        for patch in self._patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in self._patches:
            patch.stop()


def _stalled_edition(settings):
    from newsletter.models import Edition
    from tests.newsletter.conftest import EDITION, NOW
    from tests.newsletter.test_edition import subscriber

    settings.TASKS = DATABASE_QUEUE
    settings.EDITION_STALL_SECONDS = 60
    subscriber("ana@example.org", daily=True)
    return Edition.objects.create(scheduled_at=EDITION, watch_key="k",
                                  heartbeat_at=NOW - timedelta(seconds=61))


@pytest.mark.django_db(transaction=True)
def test_a_watcher_run_while_the_database_is_away_looks_again_once_it_is_back(
        newsroom, settings):
    """The watcher's next look goes in the task queue, which is in the database: with the
    database away, queuing it failed too, and the watching ended for good (a log line asked
    someone to run send_edition). It now waits and tries again, and queues its next look
    once the database answers."""
    from newsletter import tasks
    from tests.newsletter.conftest import NOW

    edition = _stalled_edition(settings)
    with Outage(lasts=3) as outage, pytest.raises(OperationalError):
        tasks.watch_edition.call(edition.pk, "k")
    assert len(outage.waits) == 3
    (look,) = DBTaskResult.objects.all()
    assert look.task_path == tasks.watch_edition.module_path
    assert look.args_kwargs["args"] == [edition.pk, "k"]
    assert look.run_after == NOW + timedelta(seconds=60)
    assert tasks.watch_edition.call(edition.pk, "k") == "queued 1 batch again"


@pytest.mark.django_db(transaction=True)
def test_a_watcher_waits_for_the_database_a_bounded_time(newsroom, settings, caplog):
    """An outage longer than its waits ends the watching as before, said in the log: the
    worker is not held for ever."""
    from newsletter import tasks

    edition = _stalled_edition(settings)
    with Outage(lasts=10_000) as outage, pytest.raises(OperationalError):
        tasks.watch_edition.call(edition.pk, "k")
    assert outage.waits == list(tasks.LOOK_AGAIN_WAITS)
    assert sum(outage.waits) <= 15 * 60  # seconds
    assert not DBTaskResult.objects.exists()
    assert "could not queue its next look" in caplog.text
