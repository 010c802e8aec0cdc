"""Many readers at once on several gunicorn workers and instances, on either database."""

import json
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.commenting import submission_token

from .conftest import FROM_PROXY, PYTHON, ROOT, Client, on_postgres, signed_in_readers

pytestmark = pytest.mark.integration

READERS = 40
IMPORTED = 200

STORED_COMMENTS = """
from django.db.models import Count
from comments.models import Comment

rows = (Comment.objects.filter(body__startswith=PARAMS["prefix"]).values("body", "status")
        .annotate(n=Count("id")))
print("RESULT " + json.dumps({row["body"]: [row["n"], row["status"]] for row in rows}))
"""


@pytest.fixture(scope="module")
def servers(site, newsroom):
    """One instance with four workers and a second with two."""
    return site.start(workers=4, env=FROM_PROXY), site.start(workers=2, env=FROM_PROXY)


def test_readers_commenting_at_once_store_each_accepted_comment_once(site, servers, newsroom):
    a, b = servers
    names = [f"burst_{i:02d}" for i in range(READERS)]
    sessions = signed_in_readers(site, names)
    stories = newsroom["published"]

    # Each reader is served by A or B; every other reader also sends a second
    # comment at the same moment through the other instance.
    readers = []
    for i, name in enumerate(names):
        # Readers at once from everywhere: one address would be one connection's
        # comments, three in ten seconds (core.ratelimit.COMMENT_ADDRESS_LIMITS).
        client = Client(address=f"198.51.100.{i + 1}")
        client.set_cookie("sessionid", sessions[name])
        home, other = (b, a) if i % 3 == 2 else (a, b)
        readers.append((name, client, home, other, f"/articles/{stories[i % 3]}/comments/"))

    def prepare(reader):
        name, client, home, other, path = reader
        # Two forms, as two tabs would hold: each comment is its own submission.
        return name, client.get(home.url(path)), client.get(other.url(path))

    tokens = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        for name, page, second in pool.map(prepare, readers, timeout=120):
            assert page.status == 200, (name, page.status)
            assert f"Signed in as <strong>{name}</strong>" in page.text
            tokens[name] = [submission_token(page.text), submission_token(second.text)]

    posts = []
    for name, client, home, other, path in readers:
        posts.append((name, client, home, path, f"Burst comment 1 from {name}.",
                      tokens[name][0]))
        if int(name[-2:]) % 2 == 0:
            posts.append((name, client, other, path, f"Burst comment 2 from {name}.",
                          tokens[name][1]))
    assert len(posts) <= 80
    start = threading.Barrier(len(posts), timeout=30)

    def send(post):
        name, client, server, path, body, token = post
        start.wait()
        return name, body, client.post(server.url(path),
                                       {"body": body, "submission_token": token})

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        results = list(pool.map(send, posts, timeout=120))
    elapsed = time.monotonic() - began

    statuses = [response.status for _, _, response in results]
    assert not [s for s in statuses if s >= 500], statuses
    assert not [body for _, body, r in results if "database is locked" in r.text]
    assert set(statuses) <= {303, 429}, statuses
    waits = [int(r.headers["Retry-After"]) for _, _, r in results if r.status == 429]
    assert all(1 <= wait <= 10 for wait in waits), waits
    accepted = {body for _, body, response in results if response.status == 303}
    refused = {body for _, body, response in results if response.status != 303}
    by_reader = {}
    for name, body, response in results:
        by_reader.setdefault(name, []).append(response.status)
    assert all(303 in answers for answers in by_reader.values()), by_reader
    if on_postgres():
        # Redis adds atomically: of two comments sent at once, exactly one gets through.
        assert all(answers.count(303) == 1 for answers in by_reader.values()), by_reader

    stored = site.shell(STORED_COMMENTS, prefix="Burst comment ")
    assert {body: count for body, (count, _) in stored.items()} == dict.fromkeys(accepted, 1)
    assert not refused & set(stored)
    assert {status for _, status in stored.values()} == {"approved"}
    assert elapsed < 30, f"{len(posts)} comments took {elapsed:.1f} s"
    assert site.server_errors() == []


def _import_file(folder):
    now = datetime.now(UTC).replace(microsecond=0)
    articles = [{
        "slug": f"imported-dispatch-{i:03d}",
        "headline": f"Imported dispatch number {i:03d}",
        "dek": "Copy from the wire desk.",
        "body": f"Dispatch {i} opens here.\n\nIt goes on in a second paragraph.",
        "section": "Business" if i % 2 else "World",
        "author": {"name": "Wire Desk", "is_ai": False, "title": "Agency copy"},
        "published_at": (now - timedelta(minutes=i + 1)).isoformat(),
        "tags": ["Wire", f"Batch {i % 5}"],
    } for i in range(IMPORTED)]
    path = folder / "import.json"
    path.write_text(json.dumps({"articles": articles}), encoding="utf-8")
    return path


def test_pages_keep_answering_while_an_import_runs(site, servers, newsroom, tmp_path):
    a, b = servers
    path = _import_file(tmp_path)
    fixed = ["/", "/articles/", f"/articles/{newsroom['published'][0]}/", "/sections/world/"]
    # Public only once the import's one transaction commits: 404 until then.
    later = ["/articles/imported-dispatch-000/", "/articles/?page=2"]
    paths = fixed + later
    reads = []  # (path, status, body mentions a locked database, import still running)

    importer = subprocess.Popen([PYTHON, "manage.py", "import_articles", str(path)], cwd=ROOT,
                                env=site.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    try:
        def read(worker):
            client, deadline = Client(), time.monotonic() + 60
            for n in range(80):
                if (importer.poll() is not None and n >= len(paths)
                        or time.monotonic() > deadline):
                    break
                running = importer.poll() is None
                page = paths[(worker + n) % len(paths)]
                response = client.get((a, b)[(worker + n) % 2].url(page))
                reads.append((page, response.status, "database is locked" in response.text,
                              running))

        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(read, range(6), timeout=120))
        stdout, stderr = importer.communicate(timeout=60)
    finally:
        if importer.poll() is None:
            importer.kill()
            importer.wait(timeout=10)

    assert importer.returncode == 0, stderr[-3000:]
    assert f"Imported {IMPORTED} articles ({IMPORTED} created, 0 updated)." in stdout
    assert [r for r in reads if r[1] >= 500 or r[2]] == []
    assert {status for page, status, _, _ in reads if page in fixed} == {200}
    assert {status for page, status, _, _ in reads if page in later} <= {200, 404}
    assert sum(1 for *_, running in reads if running) >= 10, "the import ended too soon"

    for server in (a, b):
        for page in ("/", "/articles/"):
            assert "Imported dispatch number 000" in Client().get(server.url(page)).text
    assert site.server_errors() == []
