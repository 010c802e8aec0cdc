import json
import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.logs import JsonFormatter
from standards.models import BiasReport
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_purge_personal_data_keeps_only_the_last_30_days():
    now = timezone.now()
    article = ArticleFactory()
    old_open = BiasReport.objects.create(
        article=article, reason="other", details="d", contact_email="a@example.org",
        reporter_fingerprint="f" * 64, created_at=now - timedelta(days=31))
    old_decided = BiasReport.objects.create(
        article=article, reason="other", details="d", contact_email="b@example.org",
        reporter_fingerprint="e" * 64, status="dismissed", created_at=now - timedelta(days=40),
        resolved_at=now - timedelta(days=31))
    recent_decided = BiasReport.objects.create(
        article=article, reason="other", details="d", contact_email="c@example.org",
        reporter_fingerprint="d" * 64, status="upheld", created_at=now - timedelta(days=5),
        resolved_at=now - timedelta(days=1))
    call_command("purge_personal_data", stdout=open("/dev/null", "w"))
    for report in (old_open, old_decided, recent_decided):
        report.refresh_from_db()
    assert old_open.reporter_fingerprint == "" and old_open.contact_email == "a@example.org"
    assert old_decided.reporter_fingerprint == "" and old_decided.contact_email == ""
    assert recent_decided.reporter_fingerprint == "d" * 64
    assert recent_decided.contact_email == "c@example.org"


def test_request_logs_are_json_without_personal_data(client, caplog):
    ArticleFactory(slug="harbour")
    with caplog.at_level(logging.INFO, logger="evadaily.requests"):
        client.get("/articles/harbour/?utm_source=newsletter&email=ana@example.org",
                   REMOTE_ADDR="198.51.100.23", HTTP_COOKIE="sessionid=secret-session")
    record = next(r for r in caplog.records if r.name == "evadaily.requests")
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["route"] == "articles/<slug:slug>/" and entry["status"] == 200
    assert entry["method"] == "GET" and isinstance(entry["ms"], float)
    for secret in ("198.51.100.23", "ana@example.org", "newsletter", "secret-session",
                   "harbour"):
        assert secret not in line


def test_healthz_names_a_failed_cache_and_stays_200(client, monkeypatch):
    class BrokenCache:
        def set(self, *args, **kwargs):
            raise ConnectionError("cache down")

    monkeypatch.setattr("core.views.cache", BrokenCache())
    response = client.get("/healthz")
    # Readers are still served from the database: no reason to leave the pool.
    assert response.status_code == 200
    assert response.content == b"cache unavailable"
