"""make bench's daily-edition rows: emails per second from one task worker into an SMTP server.

The SMTP server is aiosmtpd, in this process on a free port at 127.0.0.1,
counting what it accepts. For each size, the subscribers are made afresh
(confirmed, following one bench section of 8 new stories), `send_edition`
queues the edition, and one `db_worker --batch` sends it all; the figures
are the worker's wall time and its peak resident memory, which stays flat
from 2,000 to 10,000 subscribers because the edition goes out in batches.
Run alone: `python bench/edition_bench.py` with the site's environment.
"""

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SIZES = (2_000, 10_000)

SETUP = """
from datetime import timedelta
from articles.models import Article, Section
from authors.models import Author
from newsletter.edition import due_moment

moment = due_moment()
section, _ = Section.objects.get_or_create(slug="bench-edition",
                                           defaults={"name": "Bench edition", "position": 99})
author, _ = Author.objects.get_or_create(slug="bench-writer", defaults={"name": "Bench Writer"})
for number in range(8):
    Article.objects.update_or_create(slug=f"bench-edition-{number}", defaults={
        "headline": f"Harbour council agrees plan number {number} for the waterfront",
        "dek": "The council voted after a long debate about ferries, parking and trees.",
        "body": "The council met on Tuesday.\\n\\nIt agreed the plan.", "section": section,
        "author": author, "status": "published",
        "published_at": moment - timedelta(minutes=number + 1)})
"""

SUBSCRIBERS = """
from django.utils import timezone
from articles.models import Section
from newsletter.models import Edition, Subscriber

count = COUNT
Edition.objects.all().delete()
Subscriber.objects.all().delete()
section = Section.objects.get(slug="bench-edition")
Subscriber.objects.bulk_create(
    (Subscriber(email=f"bench{n}@example.org", confirmed_at=timezone.now())
     for n in range(count)), batch_size=2000)
Subscriber.sections.through.objects.bulk_create(
    (Subscriber.sections.through(subscriber_id=s.pk, section_id=section.pk)
     for s in Subscriber.objects.only("pk")), batch_size=2000)
"""


class Counter:
    """An SMTP handler that counts accepted messages and keeps nothing."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += len(envelope.rcpt_tos)
        return "250 OK"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _manage(env, *args):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=1800,
                   stdout=subprocess.DEVNULL)


def measure(env, sizes=SIZES):
    """Send the edition at each size; returns a Markdown table of the figures."""
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=_free_port())
    controller.start()
    env = {**env, "EMAIL_URL": f"smtp://127.0.0.1:{controller.port}", "TIME_ZONE": "UTC",
           "EDITION_TIME": f"{datetime.now(UTC):%H:%M}"}
    lines = ["| daily edition (one db_worker) | emails | seconds | emails/s | worker peak MB |",
             "|---|---:|---:|---:|---:|"]
    try:
        _manage(env, "shell", "-c", SETUP)
        for size in sizes:
            _manage(env, "shell", "-c", SUBSCRIBERS.replace("COUNT", str(size)))
            counter.count = 0
            _manage(env, "send_edition")
            start = time.monotonic()
            worker = subprocess.Popen(
                [PY, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload",
                 "-v", "0"], cwd=ROOT, env=env)
            _, status, usage = os.wait4(worker.pid, 0)
            seconds = time.monotonic() - start
            if status or counter.count != size:
                raise SystemExit(f"edition bench: the worker exited {status} after "
                                 f"{counter.count} of {size} emails")
            peak = usage.ru_maxrss / 1024  # kilobytes on Linux
            row = (f"| {size:,} subscribers | {counter.count:,} | {seconds:.1f} | "
                   f"{counter.count / seconds:.0f} | {peak:.0f} |")
            print(f"  {row}", flush=True)
            lines.append(row)
    finally:
        controller.stop()
    return "\n".join(lines)


if __name__ == "__main__":
    print(measure(dict(os.environ)))
