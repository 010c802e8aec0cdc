"""`make bench`: gunicorn (4 sync workers) on PostgreSQL and Redis, measured with wrk.

Runs on 127.0.0.1 only; every wrk run is bounded in time. Prints a table
with each figure as a ratio to the ceiling, an independent bare Django project
(bench/bare/) served by the same gunicorn command, and writes it to
bench/results.md.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT = 8100
BASE = f"http://127.0.0.1:{PORT}"
# The same site with PAGE_CACHE_ENABLED off: no page or fragment cache at all.
COLD_PORT = 8101
COLD = f"http://127.0.0.1:{COLD_PORT}"
# The ceiling: an independent bare Django project (bench/bare/), none of the site's apps.
BARE_PORT = 8102
BARE = f"http://127.0.0.1:{BARE_PORT}"
CEILING = "bare Django project, 30 KB (ceiling)"
PG = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "evadaily_bench"


def run(*args, env, quiet=False, timeout=1800):
    kwargs = {"stdout": subprocess.DEVNULL} if quiet else {}
    subprocess.run(args, cwd=ROOT, env=env, check=True, timeout=timeout, **kwargs)


def manage(env, *args, quiet=False, timeout=1800):
    run(PY, "manage.py", *args, env=env, quiet=quiet, timeout=timeout)


def psql(sql):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql],
                   check=True, timeout=60, stdout=subprocess.DEVNULL)


def get(path, headers=None, base=BASE):
    request = urllib.request.Request(base + path, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def gunicorn(env, port, app="evadaily.wsgi", extra=()):
    # Started from the project folder, so every server reads its gunicorn.conf.py.
    return subprocess.Popen(
        [PY, "-m", "gunicorn", app, *extra, "--bind", f"127.0.0.1:{port}",
         "--workers", "4", "--worker-class", "sync", "--log-level", "warning"],
        cwd=ROOT, env=env)


def bare_gunicorn(env):
    return gunicorn({**env, "DJANGO_SETTINGS_MODULE": "bareproject.settings"}, BARE_PORT,
                    "bareproject.wsgi", ("--pythonpath", str(ROOT / "bench" / "bare")))


def wait_until_up(process, base, path="/healthz", expect=b"ok"):
    """Wait for path to answer (with expect, unless that is None)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped during start-up")
        try:
            body = get(path, base=base)
            if expect is None or body == expect:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {path} within 30 s")


def wrk(path, seconds, connections, headers=(), base=BASE):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
               "--latency"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(command + [base + path], capture_output=True, text=True,
                            check=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": _ms(latency["50"]), "p99": _ms(latency["99"]),
            "errors": int(errors.group(1)) if errors else 0}


def _ms(value):
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def targets():
    """(label, path, extra headers) for one data size; paths picked from the data."""
    import json

    env = os.environ
    slug, section, tag, session = json.loads(subprocess.run(
        [PY, "manage.py", "shell", "-c",
         "import json; from django.test import Client; "
         "from django.contrib.auth.models import User; "
         "from articles.models import Article; "
         "a = Article.objects.published().filter(comments__isnull=False).for_listing().first() "
         "or Article.objects.published().for_listing().first(); "
         "t = a.tags.first(); "
         "c = Client(); "
         "c.force_login(User.objects.get_or_create(username='bench-reader')[0]); "
         "print(json.dumps([a.slug, a.section.slug, t.slug if t else None, "
         "c.cookies['sessionid'].value]))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
        .splitlines()[-1])
    # A signed-in reader skips the page cache and gets a page of their own,
    # built around the story's shared fragments.
    signed_in = (f"Cookie: sessionid={session}",)
    return [
        (CEILING, "/", (), BARE),
        ("front page", "/", (), BASE),
        ("article page, cached", f"/articles/{slug}/", (), BASE),
        ("article page, signed-in reader", f"/articles/{slug}/", signed_in, BASE),
        ("article page, cold (no cache at all)", f"/articles/{slug}/", (), COLD),
        ("comments page", f"/articles/{slug}/comments/", (), BASE),
        ("search", f"/search/?q={tag.split('-')[0] if tag else 'harbour'}", (), BASE),
        ("feed", "/feeds/latest/", (), BASE),
        ("section page", f"/sections/{section}/", (), BASE),
    ]


def measure(size, seconds, connections):
    rows = []
    for label, path, headers, base in targets():
        for _ in range(3):  # warm the page cache and the workers
            get(path, dict(h.split(": ", 1) for h in headers), base)
        result = wrk(path, seconds, connections, headers, base)
        rows.append({"size": size, "label": label, "path": path, **result})
        print(f"  {size:<6} {label:<36} {result['rps']:>8.0f} req/s  "
              f"p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms", flush=True)
    return rows


def table(rows):
    bare = {row["size"]: row["rps"] for row in rows if row["label"] == CEILING}
    demo = {row["label"]: row for row in rows if row["size"] == "demo"}
    lines = ["| size | target | requests/s | ratio to bare | p50 ms | p99 ms | scale/demo time |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        ratio = row["rps"] / bare[row["size"]]
        slowdown = ""
        if row["size"] == "scale" and row["label"] in demo:
            slowdown = f"{demo[row['label']]['rps'] / row['rps']:.2f}x"
        lines.append(f"| {row['size']} | {row['label']} | {row['rps']:.0f} | {ratio:.2f} | "
                     f"{row['p50']:.1f} | {row['p99']:.1f} | {slowdown} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per target")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--skip-scale", action="store_true")
    options = parser.parse_args()

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    env = {**os.environ, "DEBUG": "False", "SECRET_KEY": "bench-only-secret-key",
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_URL": f"{PG}/{DB_NAME}",
           "CACHE_URL": "redis://127.0.0.1:6379/3",
           "SITE_URL": BASE, "REQUEST_LOG_LEVEL": "WARNING"}
    os.environ.update(env)
    psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    psql(f"CREATE DATABASE {DB_NAME}")
    subprocess.run(["redis-cli", "-n", "3", "FLUSHDB"], check=True, timeout=30,
                   stdout=subprocess.DEVNULL)
    print("Preparing the demo newsroom...", flush=True)
    manage(env, "migrate", "--noinput", quiet=True)
    manage(env, "collectstatic", "--noinput", quiet=True)
    manage(env, "seed_demo", "--allow-without-debug", quiet=True)

    server = gunicorn(env, PORT)
    cold = gunicorn({**env, "PAGE_CACHE_ENABLED": "False"}, COLD_PORT)
    bare = bare_gunicorn(env)
    rows = []
    try:
        wait_until_up(server, BASE)
        wait_until_up(cold, COLD)
        wait_until_up(bare, BARE, "/", expect=None)
        print("Measuring at demo size:", flush=True)
        rows += measure("demo", options.seconds, options.connections)
        if not options.skip_scale:
            print(f"Seeding {options.articles:,} articles and {options.comments:,} "
                  "comments...", flush=True)
            manage(env, "seed_scale", "--articles", str(options.articles),
                   "--comments", str(options.comments), timeout=3600)
            manage(env, "shell", "-c",
                   "from django.db import connection; "
                   "connection.cursor().execute('ANALYZE')", quiet=True)
            print("Query plans at scale size:", flush=True)
            manage(env, "shell", "-c", (ROOT / "bench" / "explain.py").read_text())
            print("Measuring at scale size:", flush=True)
            rows += measure("scale", options.seconds, options.connections)
    finally:
        for process in (server, cold, bare):
            process.terminate()
            process.wait(timeout=30)

    result = table(rows)
    print()
    print(result)
    out = ROOT / "bench" / "results.md"
    out.write_text(f"# make bench, {time.strftime('%Y-%m-%d %H:%M')}\n\n"
                   f"gunicorn 4 sync workers, PostgreSQL, Redis, "
                   f"`wrk -t2 -c{options.connections} -d{options.seconds}s`\n\n{result}\n")
    print(f"\nWritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
