"""Whole-page cache for anonymous readers, shared by every process and server.

A public page is stored once in the shared cache (CACHE_URL) under the
current *site version*, a number kept in that cache and bumped by any change
a reader could see: each app registers its own models from its
AppConfig.ready() (invalidate_on_change). One site-wide version is exact (no
page can miss a change that affects it) and cheap: publishing is rare next
to reading. Every app server reads the version on each request, so a change
shows everywhere at once; a small per-process layer in front of the shared
cache answers repeat hits without a second round trip. Entries never outlive
the next midnight in TIME_ZONE (the masthead date) nor the next scheduled
publication.

The middleware sits before sessions and authentication: a hit touches
neither the session nor the database. Requests that carry a session (signed
in readers, staff) or a pending message never use the cache.

A page is keyed by host name, path and only the query parameters its view
reads (`public_page(view, params=("page",))`): anything else in the query
string leaves the page unchanged, so it can neither store a second copy nor
push other entries out of the cache.
"""

import hashlib
import os
import threading
import time
from collections import OrderedDict
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse, HttpResponseNotModified
from django.http.request import split_domain_port
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, urlencode

VERSION_KEY = "pagecache:version"
NEXT_PUBLICATION_KEY = "pagecache:next-publication"
NO_PUBLICATION = float("inf")
LOCAL_ENTRIES = 512
_local = OrderedDict()  # (version, key) -> entry; per process
# Threads of one process share _local; reordering it is not safe without this.
_local_lock = threading.Lock()
# Registered by the app that schedules stories (next_publication_from).
_next_publication_source = None


def public_page(view, params=()):
    """Mark a view's successful answers as the same for every anonymous reader.

    params names the query parameters the view reads; the page is the same
    whatever else the query string holds.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if getattr(request, "page_cache_eligible", False):
            response.is_public_page = True
        return response

    wrapper.is_public_page = True
    wrapper.page_cache_params = tuple(params)
    return wrapper


def site_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        # Never set, or evicted: start a fresh generation at a random number,
        # so that nothing stale can be read back under a reused one.
        version = int.from_bytes(os.urandom(6))
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    return version


def request_site_version(request):
    """The site version, read once per request."""
    version = getattr(request, "site_version", None)
    if version is None:
        version = request.site_version = site_version()
    return version


def cached_fragment(request, name, render):
    """What `render` returns (a piece of a page, or data behind it), once per site version.

    Pages that skip the page cache (signed-in readers, staff, a page-cache
    miss) take the fragment from the per-process layer or the shared cache
    instead of running its queries and templates again. Fragments follow the
    page cache's lifetimes and its PAGE_CACHE_ENABLED switch.
    """
    if not settings.PAGE_CACHE_ENABLED:
        return render()
    now = time.time()
    key = f"fragment:{request_site_version(request)}:{name}"
    entry = _recent(key)
    if entry is not None and entry[1] > now:
        return entry[0]
    entry = cache.get(key)
    if entry is None or entry[1] <= now:
        ttl = seconds_until_stale(now)
        if ttl <= 0:
            return render()
        entry = (render(), now + ttl)
        cache.set(key, entry, ttl)
    _remember(key, entry)
    return entry[0]


def bump_site_version():
    """Something readers can see changed: every cached page is now stale.

    Bumped at once and again when the transaction commits: a reader who
    renders between the two sees the old rows, and must not leave them cached
    under the new version.
    """
    _bump()
    transaction.on_commit(_bump)


def _bump():
    cache.delete(NEXT_PUBLICATION_KEY)
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, int.from_bytes(os.urandom(6)), None)


def invalidate_on_change(model, when_saved=None):
    """Bump the site version whenever a row of model is saved or deleted.

    when_saved(instance, created, update_fields) narrows which saves count;
    every delete does.
    """

    def saved(sender, instance, created, update_fields=None, **kwargs):
        if when_saved is None or when_saved(instance, created, update_fields):
            bump_site_version()

    # A closure: weak=False keeps it alive.
    post_save.connect(saved, sender=model, weak=False,
                      dispatch_uid=f"pagecache-save-{model._meta.label}")
    post_delete.connect(_changed, sender=model,
                        dispatch_uid=f"pagecache-delete-{model._meta.label}")


def invalidate_on_m2m_change(through):
    """Bump the site version whenever the many-to-many relation kept in `through` changes."""
    m2m_changed.connect(_changed, sender=through,
                        dispatch_uid=f"pagecache-m2m-{through._meta.label}")


def _changed(sender, **kwargs):
    bump_site_version()


def next_publication_from(source):
    """Let source() tell when the next scheduled story goes public (an aware datetime, or None).

    Pages are kept no longer than that, so a scheduled story appears on time.
    """
    global _next_publication_source
    _next_publication_source = source


def _next_publication(now):
    """When the next scheduled story goes public (a timestamp), kept in the shared cache.

    Found with one query after a change, or once the stored time has passed.
    """
    if _next_publication_source is None:
        return NO_PUBLICATION
    stored = cache.get(NEXT_PUBLICATION_KEY)
    if stored is not None and stored > now:
        return stored
    upcoming = _next_publication_source()
    stored = upcoming.timestamp() if upcoming else NO_PUBLICATION
    cache.set(NEXT_PUBLICATION_KEY, stored, None)
    return stored


def seconds_until_stale(now):
    """How long a page may be kept: until midnight in TIME_ZONE or the next scheduled story."""
    local = timezone.localtime(datetime.fromtimestamp(now, tz=dt_timezone.utc))
    midnight = timezone.make_aware(
        datetime.combine(local.date() + timedelta(days=1), datetime.min.time()),
        local.tzinfo,
    )
    limit = min(settings.PAGE_CACHE_SECONDS, midnight.timestamp() - now,
                _next_publication(now) - now)
    return max(0, int(limit))


def _anonymous(request):
    cookies = request.COOKIES
    return (settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies)


def _public_view(request):
    """Whether the URL belongs to a view marked public_page (other URLs skip the cache)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    request.page_cache_route = match.route
    if not getattr(match.func, "is_public_page", False):
        return False
    request.page_cache_params = match.func.page_cache_params
    return True


def _key(request, version):
    """The page's key: host name (no port), path, and the parameters its view reads."""
    query = ""
    if request.page_cache_params and request.GET:
        # The view reads the last value of a repeated parameter, as QueryDict.get does.
        query = urlencode([(name, _canonical(request.GET[name]))
                           for name in request.page_cache_params if name in request.GET])
    # Any port passes ALLOWED_HOSTS and no page shows it (links use SITE_URL).
    host, _ = split_domain_port(request.get_host())
    raw = f"{host}|{request.path}?{query}".encode("utf-8", "surrogateescape")
    return f"pagecache:{version}:{hashlib.sha256(raw).hexdigest()}"


def _canonical(value):
    """A number by its value: ?page=007 is page 7, not one more copy of it."""
    if value.isascii() and value.isdigit():
        return value.lstrip("0") or "0"
    return value


def _recent(key):
    """This process's entry for key, if any, marked as the most recently used."""
    with _local_lock:
        entry = _local.get(key)
        if entry is not None:
            _local.move_to_end(key)
    return entry


def _remember(key, entry):
    with _local_lock:
        _local[key] = entry
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _build(entry, request, now):
    status, headers, content, expires_at, etag = entry
    max_age = max(0, int(expires_at - now))
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
    response["ETag"] = etag
    _public_headers(response, max_age)
    response["X-Page-Cache"] = "hit"
    return response


def _public_headers(response, max_age):
    response.headers.pop("Cache-Control", None)
    patch_cache_control(response, public=True, max_age=min(max_age, settings.BROWSER_MAX_AGE),
                        s_maxage=max_age, stale_while_revalidate=30)


class PageCacheMiddleware:
    """Serve and store whole public pages for anonymous GET and HEAD requests."""

    STORED_HEADERS = ("Content-Type", "Content-Language", "Vary", "Link", "X-Robots-Tag")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD")
                or not _anonymous(request) or not _public_view(request)):
            response = self.get_response(request)
            if "Cache-Control" not in response:
                patch_cache_control(response, private=True, no_cache=True)
            return response

        now = time.time()
        version = request_site_version(request)
        key = _key(request, version)
        entry = _recent(key)
        if entry is None or entry[3] <= now:
            entry = cache.get(key)
            if entry is not None and entry[3] > now:
                _remember(key, entry)
        if entry is not None and entry[3] > now:
            return _build(entry, request, now)

        request.page_cache_eligible = True
        response = self.get_response(request)
        if not (getattr(response, "is_public_page", False)
                and response.status_code == 200
                and not response.cookies and not response.streaming
                and "Cache-Control" not in response):
            if "Cache-Control" not in response:
                patch_cache_control(response, private=True, no_cache=True)
            return response

        if hasattr(response, "render") and callable(response.render):
            response.render()
        ttl = seconds_until_stale(now)
        etag = '"' + hashlib.md5(response.content, usedforsecurity=False).hexdigest() + '"'
        if ttl > 0:
            headers = [(name, response[name]) for name in self.STORED_HEADERS
                       if name in response]
            entry = (response.status_code, headers, response.content, now + ttl, etag)
            cache.set(key, entry, ttl)
            _remember(key, entry)
        response["ETag"] = etag
        _public_headers(response, ttl)
        response["X-Page-Cache"] = "miss"
        if response.status_code == 200 and etag in parse_etags(
                request.headers.get("If-None-Match", "")):
            not_modified = HttpResponseNotModified()
            for name in ("ETag", "Cache-Control", "X-Page-Cache"):
                not_modified[name] = response[name]
            return not_modified
        return response
