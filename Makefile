# EVA DAILY: `make run` serves the demo site, `make test` runs the whole suite.
VENV := .venv
PY := $(VENV)/bin/python
# Settings refuse to start without SECRET_KEY when DEBUG is off; these
# targets are for development and tests only.
DEV_ENV := DEBUG=True
TEST_ENV := SECRET_KEY=test-only-secret-key-not-for-production

.PHONY: install run test check bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@python=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$python"; \
	test -x $(PY) || $$python -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $@

# The task worker (every email, the daily edition) runs beside the server and
# stops with it; emails go to the console unless EMAIL_URL says otherwise.
run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo --if-empty
	@$(DEV_ENV) $(PY) manage.py demo_tour
	@echo "Serving EVA DAILY at http://127.0.0.1:8000 with a task worker (Ctrl-C stops both)"
	@$(DEV_ENV) $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

check: install
	$(TEST_ENV) $(PY) manage.py check --fail-level WARNING
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
# The apps' layering: [tool.importlinter] in pyproject.toml.
	$(VENV)/bin/lint-imports --no-cache

test: check
	@scripts/ensure-test-tools
	$(TEST_ENV) $(PY) -m pytest

# Benchmark: gunicorn (4 sync workers) on PostgreSQL and Redis at 127.0.0.1,
# measured with wrk at the demo size and at 100,000 stories / 1,000,000 comments.
bench: install
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || \
		{ echo "make bench needs wrk: apt-get install wrk" >&2; exit 1; }
	$(PY) bench/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .cache .pytest_cache
