FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////app/data/db.sqlite3 \
    MEDIA_ROOT=/app/data/media \
    GUNICORN_BIND=0.0.0.0:8000

WORKDIR /app
RUN useradd --create-home --uid 10001 evadaily

COPY pyproject.toml README.md ./
RUN pip install .
COPY . .

# collectstatic needs settings to load; this key exists only during the build.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/data/media /app/.cache \
    && chown -R evadaily:evadaily /app/data /app/.cache

USER evadaily
VOLUME /app/data
EXPOSE 8000
# /healthz on the port GUNICORN_BIND gives (answered whatever ALLOWED_HOSTS and HTTPS say).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, sys, urllib.request; \
host, _, port = (os.environ.get('GUNICORN_BIND', '').strip() or '127.0.0.1:8000').rpartition(':'); \
host = {'': '127.0.0.1', '0.0.0.0': '127.0.0.1', '[::]': '[::1]'}.get(host, host); \
sys.exit(urllib.request.urlopen(f'http://{host}:{port}/healthz', timeout=4).status != 200)"
# Workers, threads and timeouts: gunicorn.conf.py (GUNICORN_WORKERS, GUNICORN_THREADS).
CMD ["gunicorn", "evadaily.wsgi"]
# The same image runs the task worker that sends every email and the daily
# edition, on any machine that reaches the shared database (the queue is a
# table there); run one or more beside the web servers, with the same volume
# (the SQLite database and the uploads, which the worker makes renditions of):
#   docker run -d --env-file evadaily.env -v evadaily-data:/app/data --no-healthcheck IMAGE python manage.py db_worker
# and have cron or a scheduler queue the edition at EDITION_TIME (safe to repeat),
# and remove old personal data daily:
#   docker run --rm --env-file evadaily.env -v evadaily-data:/app/data --no-healthcheck IMAGE python manage.py send_edition
#   docker run --rm --env-file evadaily.env -v evadaily-data:/app/data --no-healthcheck IMAGE python manage.py purge_personal_data
# Before the first start, and before a new release serves (README, Deployment):
#   docker run --rm --env-file evadaily.env -v evadaily-data:/app/data --no-healthcheck IMAGE python manage.py migrate
# The default page cache, /app/.cache/django, is not in the volume: each
# container keeps its own pages, change stamps and rate limits. With more than
# one container, set CACHE_URL to Redis, or, on one host, to a folder in the
# volume (filecache:///app/data/cache).
