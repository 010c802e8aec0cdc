"""The article page with no cache at all, rendered in-process: ms and queries per render.

    python bench/cold_article.py [--renders N] [--profile pyinstrument|cprofile]

Issue 14 measures `/articles/<slug>/` with PAGE_CACHE_ENABLED=False (no page
cache, no {% sitecache %}/cached_fragment) under gunicorn; this script finds
where the time goes without gunicorn or wrk in the way. Each story of the
database (seed_demo's newsroom) is rendered through the whole WSGI handler,
middleware included, as an anonymous reader with DEBUG off, round-robin so
that every story is measured under the same machine noise.

With --parts it prints where a render's CPU goes instead: each of the
page's queries as the page makes it (the view's and the template tags' own
code), and the templates rendered again once every value they show is
loaded.

Reads DATABASE_URL like the site (default: the project's db.sqlite3); the
cache is a per-process local memory cache unless CACHE_URL says otherwise,
and request logging is off unless REQUEST_LOG_LEVEL says otherwise. On a
PostgreSQL server on this machine, it also reads the CPU its backend
process spent (/proc), which the process's own CPU figure leaves out.
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DEBUG"] = "False"
os.environ["PAGE_CACHE_ENABLED"] = "False"
os.environ.setdefault("SECRET_KEY", "cold-article-bench")
os.environ.setdefault("CACHE_URL", "locmemcache://")
os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evadaily.settings")

import django  # noqa: E402

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from articles.models import Article  # noqa: E402

HANDLER = WSGIHandler()


def environ(path):
    """A plain anonymous GET, as gunicorn hands it over."""
    return {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr, "wsgi.multithread": False,
        "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }


def get(path):
    """(status line, body bytes) of one request through the whole handler."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = status

    result = HANDLER(environ(path), start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return seen["status"], body


def story_paths():
    return [article.get_absolute_url() for article in Article.objects.published()
            .order_by("-published_at", "-pk").only("slug")]


class Waits:
    """Wall time spent in the database driver's execute (the server's work and the round trip)."""

    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


def measure(paths, renders):
    """{path: [wall ms, ...]}, [CPU ms, ...] and [database ms, ...] over rounds of every path.

    CPU time is this process's alone: it leaves out the database server's
    work and the other programs sharing the machine.
    """
    times, cpu, database = {path: [] for path in paths}, [], []
    waits = Waits()
    with connection.execute_wrapper(waits):
        for _ in range(renders):
            for path in paths:
                waits.seconds = 0.0
                start, start_cpu = time.perf_counter(), time.process_time()
                status, _ = get(path)
                cpu.append((time.process_time() - start_cpu) * 1000)
                times[path].append((time.perf_counter() - start) * 1000)
                database.append(waits.seconds * 1000)
                if not status.startswith("200"):
                    raise SystemExit(f"{path}: {status}")
    return times, cpu, database


class ServerCPU:
    """CPU time of this connection's PostgreSQL backend process, when it runs on this machine."""

    def __init__(self):
        self.stat = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
            self.stat = stat if stat.exists() else None

    def seconds(self):
        """utime + stime so far, in seconds (None when it cannot be read)."""
        if self.stat is None:
            return None
        fields = self.stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def queries(path):
    with CaptureQueriesContext(connection) as captured:
        get(path)
    return len(captured.captured_queries)


def parts(paths, renders):
    """{part: [CPU ms, ...]}: the page's queries one at a time, then its templates alone.

    The queries run through the code the page runs them with (the view, the
    corrections' template tag), prepared as the page's are; the story's
    query brings its tags and the navigation's sections too. The templates
    are timed on a second render of each response, when the story, its
    tags, related stories, corrections and the sections are loaded already,
    so that render runs no query.
    """
    from django.template.response import TemplateResponse
    from django.test import RequestFactory

    from articles.views import ArticleDetailView
    from core.database import prepare_queries, stop_preparing
    from standards.templatetags.standards_tags import _corrections_of

    def timed(part, function):
        start = time.process_time()
        value = function()
        cpu.setdefault(part, []).append((time.process_time() - start) * 1000)
        return value

    rendered_content = TemplateResponse.rendered_content

    def render_twice(response):
        first = rendered_content.fget(response)
        with CaptureQueriesContext(connection) as again:
            timed("templates, every value loaded", lambda: rendered_content.fget(response))
        if again.captured_queries:
            raise SystemExit(f"The second render ran {len(again.captured_queries)} queries.")
        return first

    cpu, factory = {}, RequestFactory()
    for _ in range(renders):
        for path in paths:
            timed("the whole request", lambda: get(path))
            TemplateResponse.rendered_content = property(render_twice)
            try:
                get(path)
            finally:
                TemplateResponse.rendered_content = rendered_content
            request = factory.get(path)
            prepare_queries()  # as the page's own queries are (core.database)
            view = ArticleDetailView()
            view.setup(request, slug=path.strip("/").rsplit("/", 1)[-1])
            view.object = timed("query: the story, section, author, reviewer, counts, "
                                "tags, sections", lambda: view.story)
            timed("query: related stories", lambda: list(view.related_articles))
            if view.object.correction_count:  # with none, the page does not read them
                timed("query: its corrections (stories with any)",
                      lambda: _corrections_of(view.object))
            stop_preparing()
    return cpu


def profile(paths, renders, kind):
    if kind == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
        measure(paths, renders)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    else:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(measure, paths, renders)
        stats = pstats.Stats(profiler).strip_dirs().sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=100, help="rounds over every story")
    parser.add_argument("--warmup", type=int, default=3, help="rounds not measured")
    parser.add_argument("--profile", choices=("pyinstrument", "cprofile"))
    parser.add_argument("--parts", action="store_true",
                        help="CPU per render of each query and of the templates alone")
    parser.add_argument("--save-html", type=Path, metavar="DIR",
                        help="write each story page's HTML to DIR and stop")
    args = parser.parse_args()

    paths = story_paths()
    if not paths:
        raise SystemExit("No published story: run manage.py seed_demo first.")
    if args.save_html:
        args.save_html.mkdir(parents=True, exist_ok=True)
        for path in paths:
            status, body = get(path)
            if not status.startswith("200"):
                raise SystemExit(f"{path}: {status}")
            name = path.strip("/").replace("/", "_") + ".html"
            (args.save_html / name).write_bytes(body)
        print(f"{len(paths)} pages written to {args.save_html}")
        return
    measure(paths, args.warmup)
    if args.profile:
        profile(paths, args.renders, args.profile)
        return
    if args.parts:
        print(f"CPU per render, median of {len(paths)} stories x {args.renders} rounds:")
        for part, values in parts(paths, args.renders).items():
            print(f"  {statistics.median(values):6.2f} ms  {part}")
        return
    server = ServerCPU()
    server_start = server.seconds()
    times, cpu, database = measure(paths, args.renders)
    server_end = server.seconds()
    counts = {path: queries(path) for path in paths}
    every = [ms for values in times.values() for ms in values]
    print(f"{connection.vendor}, {len(paths)} stories x {args.renders} renders, "
          f"DEBUG={django.conf.settings.DEBUG}, "
          f"PAGE_CACHE_ENABLED={django.conf.settings.PAGE_CACHE_ENABLED}")
    print(f"per render: mean {statistics.fmean(every):.2f} ms, "
          f"median {statistics.median(every):.2f} ms, "
          f"p90 {statistics.quantiles(every, n=10)[-1]:.2f} ms; "
          f"CPU median {statistics.median(cpu):.2f} ms, "
          f"in the database driver median {statistics.median(database):.2f} ms; "
          f"queries {min(counts.values())}-{max(counts.values())} "
          f"(mean {statistics.fmean(counts.values()):.1f})")
    if server_start is not None:
        print(f"the database server's CPU: mean {(server_end - server_start) * 1000 / len(cpu):.2f}"
              " ms per render")
    slowest = sorted(paths, key=lambda path: statistics.median(times[path]), reverse=True)
    for path in slowest[:5]:
        print(f"  {statistics.median(times[path]):6.2f} ms  {counts[path]} queries  {path}")


if __name__ == "__main__":
    main()
