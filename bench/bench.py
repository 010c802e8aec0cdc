"""`make bench`: gunicorn (4 sync workers) on PostgreSQL and Redis, measured with wrk.

Runs on 127.0.0.1 only; every wrk run and the newsroom writer are bounded in
time, and every server is stopped by its PID. Three stages, each measured
against the ceiling, an independent bare Django project (bench/bare/) served
by the same gunicorn command:

- demo: the demo newsroom, one page at a time, and the cold article's
  floor (bench/floor/: its SQL and its bytes without the ORM or templates);
- mix: about 2,000 stories (seed_scale) read as readers read them, a skewed
  visit mix (bench/visit_mix.lua): quiet, under newsroom churn
  (bench/churn.py), and through Varnish when it is installed;
- scale: 100,000 stories and 1,000,000 comments, one page at a time; then
  the newsroom's desks in the admin at that size (bench/desks.py, in-process,
  with comment and bias reports added for the queues).

Prints a table with each figure as a ratio to the ceiling and the goal of
issue 14 where it sets one, and writes it to bench/results.md. The ceiling
is measured again right before each target, and each ratio is taken
against that measurement: the shared machine's speed drifts by half within
minutes, and a ceiling measured once per stage turned that drift into the
ratios.
"""

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
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
PG = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "evadaily_bench"
BARE_DB_NAME = "evadaily_bench_bare"  # Django's own tables, for the bare three-query page
MIX_SCRIPT = ROOT / "bench" / "visit_mix.lua"
CHURN = ROOT / "bench" / "churn.py"
VARNISHD = Path("/usr/sbin/varnishd")
VCL = ROOT / "deploy" / "varnish" / "default.vcl"
# Popularity of the visit mix: the story ranked r is read in proportion to 1 / r**SKEW.
SKEW = 1.1
VISITS = 50_000  # the length of the visit sequence wrk cycles through
WARM_SECONDS = 600  # at most this long reading every page of the mix once
# A word in most stories at every size, and one in a single demo story only.
COMMON_WORD, RARE_WORD = "harbour", "flour"

CEILING = "bare Django project, 30 KB (ceiling)"
# What issue 14 sets the cold article's goal by, measured here rather than assumed.
PLAIN = "bare Django project, three-query page"
HOT = "article page, cached"
COLD_ARTICLE = "article page, cold (no cache at all)"
# The cold article's floor (bench/floor/): its SQL sent again and its bytes, no ORM, no templates.
FLOOR = "cold article: its SQL alone"
STACK = "cold article: middleware alone"
SEARCHES = (f"search, common word ({COMMON_WORD})", f"search, rare word ({RARE_WORD})")
MIX_QUIET = "visit mix, warm and quiet"
MIX_CHURN = "visit mix, newsroom churn"
MIX_VARNISH = "visit mix through Varnish"


def run(*args, env, quiet=False, timeout=1800):
    kwargs = {"stdout": subprocess.DEVNULL} if quiet else {}
    subprocess.run(args, cwd=ROOT, env=env, check=True, timeout=timeout, **kwargs)


def manage(env, *args, quiet=False, timeout=1800):
    run(PY, "manage.py", *args, env=env, quiet=quiet, timeout=timeout)


def manage_json(code):
    """Run code in `manage.py shell` and read the JSON it prints last."""
    output = subprocess.run([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=os.environ,
                            capture_output=True, text=True, check=True, timeout=300).stdout
    return json.loads(output.strip().splitlines()[-1])


def analyze(env):
    """What autovacuum does on a live server (this machine kind runs without it):
    seed_scale writes each story twice, leaving a dead row behind for each.
    Then a checkpoint writes out what seeding and vacuuming left in memory
    now, not while the scale stage is measured."""
    manage(env, "shell", "-c",
           "from django.db import connection; connection.cursor().execute('VACUUM ANALYZE')",
           quiet=True, timeout=1800)
    psql("CHECKPOINT", timeout=600)


def psql(sql, timeout=60, database="postgres"):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-d", database, "-c", sql],
                   check=True, timeout=timeout, stdout=subprocess.DEVNULL)


def get(path, headers=None, base=BASE):
    request = urllib.request.Request(base + path, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn(env, port, app="evadaily.wsgi", extra=()):
    # Started from the project folder, so the site's servers read its
    # gunicorn.conf.py; the bare project names a file of its own.
    return subprocess.Popen(
        [PY, "-m", "gunicorn", app, *extra, "--bind", f"127.0.0.1:{port}",
         "--workers", "4", "--worker-class", "sync", "--log-level", "warning"],
        cwd=ROOT, env=env)


def bare_env(env):
    return {**env, "DJANGO_SETTINGS_MODULE": "bareproject.settings",
            "BARE_DATABASE": BARE_DB_NAME}


def bare_gunicorn(env):
    return gunicorn(bare_env(env), BARE_PORT, "bareproject.wsgi",
                    ("--pythonpath", str(ROOT / "bench" / "bare"),
                     "--config", str(ROOT / "bench" / "bare" / "gunicorn.conf.py")))


def prepare_bare(env):
    """The bare project's own database: Django's auth and contenttypes tables."""
    psql(f"DROP DATABASE IF EXISTS {BARE_DB_NAME}")
    psql(f"CREATE DATABASE {BARE_DB_NAME}")
    subprocess.run([PY, "-m", "django", "migrate", "--noinput"], cwd=ROOT / "bench" / "bare",
                   env={**bare_env(env), "PYTHONPATH": str(ROOT / "bench" / "bare")},
                   check=True, timeout=300, stdout=subprocess.DEVNULL)


def stop(process):
    """Stop a server this bench started, by its PID."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def wait_until_up(process, base, path="/healthz", expect=b"ok"):
    """Wait for path to answer (with expect, unless that is None)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server for {base} stopped during start-up")
        try:
            body = get(path, base=base)
            if expect is None or body == expect:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{base} did not answer {path} within 30 s")


def wrk(path, seconds, connections, headers=(), base=BASE, script=None, script_args=()):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
               "--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(script)]
    command.append(base + path)
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(command, capture_output=True, text=True,
                            check=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": _ms(latency["50"]), "p99": _ms(latency["99"]),
            "errors": int(errors.group(1)) if errors else 0}


def _ms(value):
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


# Goals (issue 14) ---------------------------------------------------------------

def _find(rows, size, label):
    return next((row for row in rows if row["size"] == size and row["label"] == label), None)


def _verdict(goal, met):
    return f"{goal}: {'met' if met else 'MISSED'}"


def goal(row, rows):
    """Issue 14's goal for this row and whether it is met; "" where it sets none."""
    label, ratio = row["label"], row["ratio"]
    if label == HOT:
        return _verdict("≥ 0.80 of bare", ratio >= 0.80)
    if label == COLD_ARTICLE:
        beside = [f"{name}: {reference['ratio']:.2f}"
                  for name, label in (("the plain page", PLAIN), ("its SQL alone", FLOOR))
                  if (reference := _find(rows, row["size"], label))]
        return _verdict("≥ 0.10 of bare", ratio >= 0.10) + (
            f" ({'; '.join(beside)})" if beside else "")
    if label == MIX_QUIET:
        return _verdict("≥ 0.50 of bare", ratio >= 0.50)
    if label == MIX_CHURN:
        quiet = _find(rows, row["size"], MIX_QUIET)
        share = ratio / quiet["ratio"]
        return _verdict(f"≥ 0.80 of quiet ({share:.2f}), p99 ≤ 250 ms",
                        share >= 0.80 and row["p99"] <= 250)
    times = slowdown(row, rows)
    if label in SEARCHES and times is not None:
        return _verdict("scale/demo time ≤ 1.5x", times <= 1.5)
    return ""


def slowdown(row, rows):
    """How many times longer a request takes at scale than at demo size, or None.

    From the ratios to the ceiling, so that the machine's drift between the
    two stages does not count.
    """
    demo = _find(rows, "demo", row["label"])
    if row["size"] != "scale" or demo is None:
        return None
    return demo["ratio"] / row["ratio"]


def ceiling(options):
    """The bare project, measured now: the ceiling of the target measured next."""
    return wrk("/", options.seconds, options.connections, base=BARE)


def record(rows, size, label, result, bare=None):
    """Add a measurement, as a ratio to the ceiling `bare` measured right before it.

    The ceiling's own row (bare None) has the ratio 1.
    """
    bare_rps = (bare or result)["rps"]
    row = {"size": size, "label": label, **result, "bare_rps": bare_rps,
           "ratio": result["rps"] / bare_rps}
    rows.append(row)
    errors = f"  {row['errors']} errors" if row["errors"] else ""
    print(f"  {size:<5} {label:<38} {row['rps']:>7.0f} req/s {row['ratio']:5.2f} of bare "
          f"({bare_rps:.0f})  "
          f"p50 {row['p50']:6.1f} ms  p99 {row['p99']:6.1f} ms  {goal(row, rows)}{errors}",
          flush=True)


# One page at a time ----------------------------------------------------------------

def targets():
    """(label, path, extra headers, server) for one data size; paths picked from the data."""
    slug, section, session = manage_json(
        "import json; from django.test import Client; "
        "from django.contrib.auth.models import User; "
        "from articles.models import Article; "
        "a = Article.objects.published().filter(comments__isnull=False).for_listing().first() "
        "or Article.objects.published().for_listing().first(); "
        "c = Client(); "
        "c.force_login(User.objects.get_or_create(username='bench-reader')[0]); "
        "print(json.dumps([a.slug, a.section.slug, c.cookies['sessionid'].value]))")
    # A signed-in reader skips the page cache and gets a page of their own,
    # built around the story's shared fragments.
    signed_in = (f"Cookie: sessionid={session}",)
    return [
        (CEILING, "/", (), BARE),
        (PLAIN, "/three-queries/", (), BARE),
        ("front page", "/", (), BASE),
        (HOT, f"/articles/{slug}/", (), BASE),
        ("article page, signed-in reader", f"/articles/{slug}/", signed_in, BASE),
        (FLOOR, f"/bench-floor/{slug}/", (), COLD),
        (STACK, f"/bench-floor/{slug}/bytes/", (), COLD),
        (COLD_ARTICLE, f"/articles/{slug}/", (), COLD),
        ("comments page", f"/articles/{slug}/comments/", (), BASE),
        ("comments block (?partial=1)", f"/articles/{slug}/comments/?partial=1", (), BASE),
        (SEARCHES[0], f"/search/?q={COMMON_WORD}", (), BASE),
        (SEARCHES[1], f"/search/?q={RARE_WORD}", (), BASE),
        ("feed", "/feeds/latest/", (), BASE),
        ("section page", f"/sections/{section}/", (), BASE),
    ]


def measure(size, options, rows):
    for label, path, headers, base in targets():
        for _ in range(3):  # warm the page cache and the workers
            get(path, dict(h.split(": ", 1) for h in headers), base)
        bare = None if label == CEILING else ceiling(options)
        record(rows, size, label, wrk(path, options.seconds, options.connections, headers,
                                      base), bare)


# The visit mix ----------------------------------------------------------------------

def write_visit_mix(folder, slugs, seed):
    """Write the story and visit files of bench/visit_mix.lua; return their paths and
    the share of visits that go to the most read 1% of stories."""
    stories = folder / "stories.tsv"
    stories.write_text("".join(f"/articles/{slug}/\t/articles/{slug}/comments/?partial=1\n"
                               for slug in slugs))
    weights = [1 / (rank + 1) ** SKEW for rank in range(len(slugs))]
    picks = random.Random(seed).choices(range(len(slugs)), weights, k=VISITS)
    visits = folder / "visits.txt"
    visits.write_text("".join(f"{pick}\n" for pick in picks))
    top = max(1, len(slugs) // 100)
    return stories, visits, sum(weights[:top]) / sum(weights)


def visit_mix(env, options, rows, notes):
    """Seed the mix's stories, then read them quiet, under churn and through Varnish."""
    print(f"Seeding {options.mix_stories:,} stories and {options.mix_comments:,} comments "
          "for the visit mix...", flush=True)
    manage(env, "seed_scale", "--allow-without-debug", "--articles", str(options.mix_stories),
           "--comments", str(options.mix_comments), "--readers", "500",
           "--seed", str(options.seed), quiet=True, timeout=1800)
    analyze(env)
    # The newest stories are the most read, as on a news site's front page.
    slugs = manage_json(
        "import json; from articles.models import Article; "
        "print(json.dumps(list(Article.objects.published().order_by('-published_at', '-pk')"
        f".values_list('slug', flat=True)[:{options.mix_stories}])))")
    with tempfile.TemporaryDirectory(prefix="evadaily-bench-") as work:
        stories, visits, top_share = write_visit_mix(Path(work), slugs, options.seed)
        notes.append(f"Visit mix: {len(slugs):,} published stories, popularity 1/rank^{SKEW}: "
                     f"the most read 1% draw {top_share:.0%} of visits; each visit is the "
                     "article page and its comments block.")
        mix = {"script": MIX_SCRIPT, "script_args": (str(stories), str(visits))}

        def read(base, seconds=options.seconds):
            return wrk("/", seconds, options.connections, base=base, **mix)

        print(f"Measuring the visit mix ({len(slugs):,} stories):", flush=True)
        record(rows, "mix", CEILING, ceiling(options))
        warm_up(read, BASE, options, stories)
        bare = ceiling(options)
        record(rows, "mix", MIX_QUIET, read(BASE), bare)
        bare = ceiling(options)
        result, counts = under_churn(env, options, stories, Path(work), read)
        record(rows, "mix", MIX_CHURN, result, bare)
        notes.append("Newsroom churn during the run (bench/churn.py): " + ", ".join(
            f"{name.replace('_', ' ')} {value}" for name, value in counts.items()) + ".")
        measured = through_varnish(options, read, notes, stories)
        if measured is not None:
            record(rows, "mix", MIX_VARNISH, *measured)


def warm_up(read, base, options, stories):
    """Unmeasured: every page of the mix once, then a short visit mix.

    "Warm" means each story's article page and comments block has been read
    since the last change, as on a site that has been up for a while; without
    the first step a six-second run mostly measures the long tail's first reads.
    """
    paths = [path for line in stories.read_text().splitlines() for path in line.split("\t")]
    deadline = time.monotonic() + WARM_SECONDS

    def fetch(path):
        if time.monotonic() < deadline:
            get(path, base=base)

    with ThreadPoolExecutor(max_workers=options.connections) as pool:
        list(pool.map(fetch, paths))
    if time.monotonic() >= deadline:
        print(f"  warning: warming stopped after {WARM_SECONDS} s, the mix is not fully warm",
              flush=True)
    if options.warmup > 0:
        read(base, options.warmup)


def under_churn(env, options, stories, work, read):
    """The visit mix while bench/churn.py edits, comments, reports and moderates."""
    ready = work / "churn-ready"
    writer = subprocess.Popen(
        [PY, str(CHURN), "--seconds", str(options.seconds + 1), "--stories", str(stories),
         "--ready-file", str(ready), "--seed", str(options.seed)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            if writer.poll() is not None:
                raise SystemExit("The newsroom writer (bench/churn.py) stopped during start-up.")
            if time.monotonic() > deadline:
                raise SystemExit("The newsroom writer (bench/churn.py) did not start in 60 s.")
            time.sleep(0.2)
        result = read(BASE)
        output, _ = writer.communicate(timeout=60)
    finally:
        stop(writer)
    if writer.returncode != 0:
        raise SystemExit("The newsroom writer (bench/churn.py) failed: see above.")
    return result, json.loads(output.strip().splitlines()[-1])


def through_varnish(options, read, notes, stories):
    """The visit mix through Varnish in front of the cached server and the ceiling
    measured right before it, or None if skipped."""
    vcl = Path(options.vcl)
    reason = ("--skip-varnish" if options.skip_varnish else
              f"{VARNISHD} is not installed (apt-get install varnish varnish-modules)"
              if not VARNISHD.exists() else
              f"{vcl} does not exist" if not vcl.exists() else None)
    if reason:
        print(f"  {MIX_VARNISH}: skipped, {reason}", flush=True)
        notes.append(f"{MIX_VARNISH}: skipped, {reason}.")
        return None
    with tempfile.TemporaryDirectory(prefix="evadaily-varnish-") as work:
        # Varnish compiles the VCL as an unprivileged user, who must read this folder.
        os.chmod(work, 0o755)
        # Found before the shipped backends.vcl, which default.vcl includes.
        (Path(work) / "backends.vcl").write_text(
            f'backend default {{\n    .host = "127.0.0.1";\n    .port = "{PORT}";\n}}\n')
        port = free_port()
        log = Path(work) / "varnishd.log"
        with log.open("w") as output:
            varnish = subprocess.Popen(
                [str(VARNISHD), "-F", "-a", f"127.0.0.1:{port}", "-T", "none", "-f", str(vcl),
                 "-n", str(Path(work) / "varnish"), "-P", str(Path(work) / "varnishd.pid"),
                 "-s", "malloc,256m", "-p", f"vcl_path={work}:{vcl.parent}"],
                cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        try:
            edge = f"http://127.0.0.1:{port}"
            try:
                wait_until_up(varnish, edge)
            except SystemExit as error:
                # The edge cache is optional here: the stages after this one still run.
                print(log.read_text()[-2000:], file=sys.stderr)
                print(f"  {MIX_VARNISH}: skipped, {error}", flush=True)
                notes.append(f"{MIX_VARNISH}: skipped, {error} (varnishd's output above).")
                return None
            warm_up(read, edge, options, stories)
            bare = ceiling(options)
            return read(edge), bare
        finally:
            stop(varnish)


# The report -------------------------------------------------------------------------

def table(rows):
    lines = ["| size | target | requests/s | bare req/s just before | ratio to bare "
             "| p50 ms | p99 ms | scale/demo time | goal (issue 14) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        times = slowdown(row, rows)
        lines.append(f"| {row['size']} | {row['label']} | {row['rps']:.0f} | "
                     f"{row['bare_rps']:.0f} | "
                     f"{row['ratio']:.2f} | {row['p50']:.1f} | {row['p99']:.1f} | "
                     f"{f'{times:.2f}x' if times else ''} | {goal(row, rows)} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per target")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-mix", action="store_true", help="no visit mix stage")
    parser.add_argument("--mix-stories", type=int, default=2_000,
                        help="stories seeded for the visit mix")
    parser.add_argument("--mix-comments", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=5,
                        help="seconds of visit mix before each measured one")
    parser.add_argument("--skip-varnish", action="store_true")
    parser.add_argument("--vcl", default=str(VCL), help="the edge cache's VCL")
    parser.add_argument("--seed", type=int, default=14, help="of the data and the visits")
    parser.add_argument("--skip-edition", action="store_true",
                        help="no daily edition rows (bench/edition_bench.py)")
    options = parser.parse_args()

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    env = {**os.environ, "DEBUG": "False", "SECRET_KEY": "bench-only-secret-key",
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_URL": f"{PG}/{DB_NAME}",
           "CACHE_URL": "redis://127.0.0.1:6379/3",
           "SITE_URL": BASE, "REQUEST_LOG_LEVEL": "WARNING",
           # wrk searches from one address: a limit it never reaches, still checked;
           # and with as many connections as the searches' places, each still taken.
           "SEARCH_LIMIT_PER_MINUTE": "100000000",
           "SEARCH_CONCURRENCY": str(options.connections)}
    os.environ.update(env)
    psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    psql(f"CREATE DATABASE {DB_NAME}")
    prepare_bare(env)
    subprocess.run(["redis-cli", "-n", "3", "FLUSHDB"], check=True, timeout=30,
                   stdout=subprocess.DEVNULL)
    print("Preparing the demo newsroom...", flush=True)
    manage(env, "migrate", "--noinput", quiet=True)
    manage(env, "collectstatic", "--noinput", quiet=True)
    manage(env, "seed_demo", "--allow-without-debug", quiet=True)
    # Planned from statistics, as on a live server: unanalysed, the related stories'
    # query counted each tag's list once for each candidate story (twice its time).
    analyze(env)
    psql("ANALYZE", database=BARE_DB_NAME)

    server = gunicorn(env, PORT)
    # The cold server also serves the cold article's floor (bench/floor/).
    cold = gunicorn({**env, "PAGE_CACHE_ENABLED": "False",
                     "DJANGO_SETTINGS_MODULE": "floor_settings"}, COLD_PORT,
                    extra=("--pythonpath", str(ROOT / "bench" / "floor")))
    bare = bare_gunicorn(env)
    rows, notes = [], []
    try:
        wait_until_up(server, BASE)
        wait_until_up(cold, COLD)
        wait_until_up(bare, BARE, "/", expect=None)
        print("Measuring at demo size:", flush=True)
        measure("demo", options, rows)
        if not options.skip_mix:
            visit_mix(env, options, rows, notes)
        if not options.skip_scale:
            print(f"Seeding {options.articles:,} articles and {options.comments:,} "
                  "comments...", flush=True)
            manage(env, "seed_scale", "--allow-without-debug", "--articles",
                   str(options.articles),
                   "--comments", str(options.comments), timeout=3600)
            analyze(env)
            print("Query plans at scale size:", flush=True)
            manage(env, "shell", "-c", (ROOT / "bench" / "explain.py").read_text())
            print("Measuring at scale size:", flush=True)
            measure("scale", options, rows)
            print("The desks at scale size (bench/desks.py):", flush=True)
            notes.append(subprocess.run(
                [PY, str(ROOT / "bench" / "desks.py"), "--add-reports"], cwd=ROOT, env=env,
                check=True, timeout=1800, capture_output=True, text=True).stdout.strip())
    finally:
        for process in (server, cold, bare):
            stop(process)

    if not options.skip_edition:
        print("The daily edition, one task worker into a local SMTP server:", flush=True)
        import edition_bench  # bench/edition_bench.py, beside this file

        notes.append(edition_bench.measure(env))

    result = table(rows)
    print()
    print(result)
    for note in notes:
        print(note)
    out = ROOT / "bench" / "results.md"
    out.write_text(f"# make bench, {time.strftime('%Y-%m-%d %H:%M')}\n\n"
                   f"gunicorn 4 sync workers, PostgreSQL, Redis, "
                   f"`wrk -t2 -c{options.connections} -d{options.seconds}s`\n\n{result}\n\n"
                   + "".join(f"{note}\n\n" for note in notes))
    print(f"\nWritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
