"""`manage.py db_worker`: django-tasks-db's task worker, which outlives a database that is
busy or away.

The library's worker ends on a database error outside a task: on SQLite, the
queue's exclusive transaction could not begin while an import held the write
lock longer than the busy timeout; on PostgreSQL, a restart closes its
connection. Nothing starts it again, so emails and image renditions stopped
until someone noticed. This one logs the error, waits and tries again, as
long as it takes. This app comes before django_tasks_db in INSTALLED_APPS, so
`manage.py db_worker` is this command.
"""

import logging
import os
import time

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, close_old_connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("django_tasks_db")

# Seconds to wait before each try while the database stays busy or away.
WAITS = (1, 2, 5, 10, 30)
# Seconds of work after which an error counts as a new outage (waits start again at 1 s).
HEALTHY = 60


class Worker(db_worker.Worker):
    """The library's worker, started again after a database error rather than ended by it."""

    def run(self):
        failures, started = 0, time.monotonic()
        while self.running:
            try:
                return super().run()
            except (OperationalError, InterfaceError) as error:
                if time.monotonic() - started > HEALTHY:
                    failures = 0
                wait = WAITS[min(failures, len(WAITS) - 1)]
                failures += 1
                logger.warning("The database is busy or unavailable (%s); the worker tries "
                               "again in %s s.", error, wait)
                close_old_connections()
                time.sleep(wait)
                started = time.monotonic()


class Command(db_worker.Command):
    help = db_worker.Command.help + ", which waits while the database is busy or away"

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay,
               reload, max_tasks, worker_id, exclude_queues, **options):
        # The library's handle() with this module's Worker: it names its own.
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("Warning: --reload and --batch cannot be specified together. "
                           "Disabling autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(queue_names=queue_names, interval=interval, batch=batch,
                        backend_name=backend_name, startup_delay=startup_delay,
                        max_tasks=max_tasks, worker_id=worker_id,
                        excluded_queue_names=excluded_queue_names)
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only in the child that runs the worker
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
