"""Whole-page cache for anonymous readers, shared by every process and server.

A public page is stored once in the shared cache (CACHE_URL) with the *tags*
of what it shows: `story-12` for a story (on its own page, as a card in a
list, among "Related Articles"), `author-4`, `section-3`, `stories-all` for
"which stories are public, in which order", `comments-12` for a story's
comments block, `site` on every page. Views and template fragments name them
(tag()) as they read the rows; each app says which tags a change of its rows
touches, from its AppConfig.ready() (invalidate_on_change). A change stamps
its tags with the time, after the transaction commits; a page is stale when
one of its tags was stamped after its render began. Nothing else goes cold:
a new comment renews one comments block, an edit the pages showing that
story.

A hit costs no round trip in the common case. A counter of changes is
bumped after the stamps; a page stored under the current count is fresh
without looking at its tags. Each process watches the count with Redis's
client tracking (core.redis_cache), so it reads it again only after a
change. Each change is also written to a log under its count (which tags,
when, whether a takedown): a page stored under an older count is judged by
the changes counted since, read once per process, and by its tags' stamps
only when the log cannot answer. A small per-process layer answers repeat
hits without the shared entry.

Stale is not gone. When a popular page goes stale, one request renders it
anew while the others serve the previous copy for a few seconds (GRACE),
marked so that no other cache keeps it. A takedown (a story unpublished or
deleted, a comment hidden) stamps its tags as hard: such a page is never
served again.

Scheduled stories need no job: the first request after a scheduled time
stamps the tags of the stories that went public (publication_sweep), and
edge caches keep public pages no longer than the next scheduled time, so
that a request reaches an app server then. Pages are fresh until midnight in
TIME_ZONE (the masthead's date) and at most PAGE_CACHE_SECONDS.

Edge caches (core/edge.py) get the tags in an `xkey` header, their lifetime
(up to the next scheduled time) in `Surrogate-Control`, and a purge by the
same tags on every change. Without an edge cache neither is sent: the tags
would tell readers what the newsroom links together, the lifetime that an
embargoed story exists. Readers' Cache-Control never depends on the schedule.

Feeds and sitemaps say when they last changed (Last-Modified): their newest
item's time, or the latest change stamped on their tags if later, so that a
story taken down from one is never answered 304 Not Modified.

A page is kept plain and, from the first request that accepts gzip (its
render, or a hit), compressed too: the compressed copy is stored with it, so
a hit is never compressed again, and readers that do not ask for gzip cost
what they did before. core.middleware.CompressionMiddleware compresses what
does not come from here (signed-in pages, forms, the admin).

The middleware sits before sessions and authentication: a hit touches
neither the session nor the database. Requests that carry a session (signed
in readers, staff) or a pending message never use the page cache; they take
shared fragments (cached_fragment, {% sitecache %}) under the same rules.

A page is keyed by host name, path and only the query parameters its view
reads (`public_page(view, params=("page",))`): anything else in the query
string leaves the page unchanged, so it can neither store a second copy nor
push other entries out of the cache.
"""

import gzip
import hashlib
import os
import threading
import time
import weakref
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from functools import partial, wraps
from importlib import import_module

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpResponse, HttpResponseNotModified, QueryDict
from django.http.request import split_domain_port
from django.urls import Resolver404, get_resolver, get_urlconf
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe, urlencode

from core import edge
from core.database import answer_requests, prepare_queries
from core.file_cache import KEPT_PREFIX
from core.middleware import accepts_gzip, compressible

# The cache's own records, under one prefix: a store that must make room
# leaves them alone (core.file_cache), since losing one could serve a page
# that was taken down.
STATE = KEPT_PREFIX
CHANGES_KEY = f"{STATE}changes"
EPOCH_KEY = f"{STATE}epoch"
NEXT_PUBLICATION_KEY = f"{STATE}next-publication"
SWEEP_LOCK_KEY = f"{STATE}sweep"
SWEPT_KEY = f"{STATE}swept-until"
NO_PUBLICATION = float("inf")
# Since when every change's stamp is kept (CHANGE_DATES_SECONDS): set when a new
# epoch starts, since stamps may have been lost with the count.
DATES_SINCE_KEY = f"{STATE}dates-since"
SITE_TAG = "site"  # on every page and fragment: changed(SITE_TAG) empties the whole cache
# Added to a change's time: servers' clocks may differ by this much and a
# change still makes every page rendered before it stale.
STAMP_MARGIN = 1.0
GRACE = 10  # seconds a stale page is served while one request renders it anew
# Seconds other caches may serve a page past its lifetime while they fetch it anew.
STALE_WHILE_REVALIDATE = 30
# A tag's stamp is kept this long (seconds), far past the pages it judges: it
# dates the feeds and sitemaps that show the tag (_last_modified), for readers
# who ask If-Modified-Since hours or days later.
CHANGE_DATES_SECONDS = 30 * 24 * 3600
RENDER_LOCK_SECONDS = 10
LOCAL_ENTRIES = 512
# Pages are keyed under this: a release that changes what a stored page holds
# bumps it, and never reads an older release's entries.
PAGE_FORMAT = 3
COMPRESS_MIN_BYTES = 200  # shorter pages are sent as they are, as GZipMiddleware does
NOT_YET = b""  # a page's compressed copy before any reader asked for gzip (never a gzip body)
_local = OrderedDict()  # key -> Entry; per process
_routes = weakref.WeakKeyDictionary()  # URL resolver -> {path: (route, view) or None}
ROUTES = 4096
_UNKNOWN = object()
# The log of changes as this process read it: (epoch, count) -> (stamp, tags, takedown).
_log = OrderedDict()
LOG_SPAN = 500  # at most this many changes are read from the log to judge one entry
# Threads of one process share _local and _log; reordering them is not safe without this.
_local_lock = threading.Lock()
# Registered by the app that schedules stories (publication_sweep).
_next_publication_source = None
_published_between = None


@dataclass(frozen=True, slots=True)
class Entry:
    """A stored page or fragment and what it was made of."""

    # A page: (status, headers, content, etag, gzipped): gzipped is its compressed copy,
    # NOT_YET, or None when it is not worth compressing. A fragment: render()'s result.
    value: object
    tags: frozenset
    rendered_at: float  # when the request that rendered it began
    changes: tuple  # (epoch, count of changes) then
    fresh_until: float  # midnight or PAGE_CACHE_SECONDS, whichever comes first


FRESH, STALE, GONE = "fresh", "stale", "gone"


@dataclass(frozen=True, slots=True)
class Change:
    """What a change of one row touches: the tags of the pages showing it.

    A takedown's pages are never served again, not even while they render anew.
    counted: the tags of pages that only count such rows (the transparency
    report's figures). They go stale, but a takedown does not take them down:
    nothing they show is taken away, and a report that takes seconds to count
    a million comments would otherwise be counted by every reader at once.
    """

    tags: frozenset
    takedown: bool = False
    counted: frozenset = frozenset()


# ---------------------------------------------------------------------------
# Views and fragments


def public_page(view, params=(), tags=(), flags=(), methods=("GET", "HEAD")):
    """Mark a view's successful answers as the same for every anonymous reader.

    params names the query parameters the view reads (a number by its value:
    ?page=007 is page 7); flags, those it reads as on ("1") or off, any
    other value being off (?partial=yes is the whole page). The page is the
    same whatever else the query string holds, and its view, when the page
    may be kept, sees them as its key has them. tags: what every answer
    shows, for views that do not name it themselves. methods: those a
    function view takes (a class-based view's are its handlers); any other is
    refused 405 before the view (core.middleware.MethodMiddleware).
    """
    declared = (*((name, _number) for name in params), *((name, _flag) for name in flags))

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        # Its queries are few, small and the same on every visit (tested):
        # worth the database keeping their plans (core.database).
        if request.method in ("GET", "HEAD"):
            prepare_queries()
        if getattr(request, "page_cache_eligible", False) and request.GET:
            # A page that may be kept is kept under these parameters alone, so
            # it sees no others: the pages' links ({% querystring %}) copied
            # anyone's ?utm_source=... into the copy every reader was served.
            request.GET = declared_query(request.GET, declared)
        if tags:
            tag(request, *tags)
        response = view(request, *args, **kwargs)
        if getattr(request, "page_cache_eligible", False):
            response.is_public_page = True
        return response

    wrapper.is_public_page = True
    wrapper.page_cache_params = declared
    if not hasattr(view, "view_class"):
        wrapper.http_methods = methods
    return wrapper


def declared_query(query, declared):
    """query with only the declared parameters, as the page cache's key has them."""
    kept = QueryDict(mutable=True)
    for name, value in _declared_values(query, declared):
        kept[name] = value
    kept._mutable = False
    return kept


def _declared_values(query, declared):
    """[(name, value)] of the declared parameters in query: the last value of a repeated one
    (as QueryDict.get reads it), made canonical; a value its parameter cannot take is left
    out, as if it were not there."""
    values = []
    for name, canonical in declared:
        if name in query:
            value = canonical(query[name])
            if value is not None:
                values.append((name, value))
    return values


def _number(value):
    """A number by its value: ?page=007 is page 7, not one more copy of it (anything else
    as it is: the view answers 404 for it, which is not kept)."""
    if value.isascii() and value.isdigit():
        return value.lstrip("0") or "0"
    return value


def _flag(value):
    """On as "1", off (None) otherwise: ?partial=01 or ?partial=junk is no second copy."""
    return "1" if value == "1" else None


class _RequestState:
    """What one request knows of the cache: when it began, the count of changes, its tags."""

    __slots__ = ("started", "_changes", "next_publication", "collectors")

    def __init__(self):
        self.started = time.time()
        self._changes = None
        self.next_publication = NO_PUBLICATION
        self.collectors = [{SITE_TAG}]

    @property
    def changes(self):
        """The count of changes, read once, before the request reads what it renders."""
        if self._changes is None:
            self._changes, self.next_publication = _read_counters()
            if self.next_publication <= self.started:
                try:
                    publication_sweep(self.started)
                except DatabaseError:
                    # The database is away: kept pages are still served (their
                    # lifetimes end now), and a later request sweeps.
                    return self._changes
                self._changes, self.next_publication = _read_counters()
        return self._changes


def _request_state(request):
    state = getattr(request, "_pagecache", None)
    if state is None:
        state = request._pagecache = _RequestState()
    return state


def tag(request, *tags):
    """Say that what is being rendered for request shows these things.

    The page, and each fragment being rendered around this call, carries
    the tags, and goes stale when one of them changes.
    """
    if not settings.PAGE_CACHE_ENABLED:
        return
    for collector in _request_state(request).collectors:
        collector.update(tags)


def page_tags(request):
    """The tags of everything the request's page showed so far."""
    return frozenset(_request_state(request).collectors[0])


class Shown:
    """A value loaded when a template first reads it, that tags the request on every read.

    Two fragments of one page may read the same value (the story's tags in
    its meta block and in its body); each must carry what it shows, not only
    the first. tags_of(value) gives the tags.
    """

    _unloaded = object()

    def __init__(self, request, load, tags_of):
        self._request, self._load, self._tags_of = request, load, tags_of
        self._value = self._unloaded

    def _read(self):
        if self._value is self._unloaded:
            self._value = self._load()
            self._tags = self._tags_of(self._value)
        tag(self._request, *self._tags)
        return self._value

    def __iter__(self):
        return iter(self._read())

    def __len__(self):
        return len(self._read())

    def __bool__(self):
        return bool(self._read())

    def __getitem__(self, index):
        return self._read()[index]


def cached_fragment(request, name, render):
    """What `render` returns (a piece of a page, or data behind it), kept until its tags change.

    Pages that skip the page cache (signed-in readers, staff, a page-cache
    miss) take the fragment from the per-process layer or the shared cache
    instead of running its queries and templates again. Tags named while
    render() runs belong to the fragment and to the page around it.
    Fragments follow the page cache's lifetimes and its PAGE_CACHE_ENABLED
    switch.
    """
    if not settings.PAGE_CACHE_ENABLED:
        return render()
    state = _request_state(request)
    changes = state.changes  # before render() reads anything
    key = f"fragment:{name}"
    entry = _lookup(key)
    if entry is not None and _judge(entry, changes, time.time())[0] == FRESH:
        tag(request, *entry.tags)
        return entry.value
    collector = set()
    state.collectors.append(collector)
    try:
        value = render()
    finally:
        state.collectors.pop()  # fragments nest: the innermost ends first
    tags = frozenset(collector | {SITE_TAG})
    tag(request, *tags)
    _store(key, Entry(value, tags, state.started, changes, _fresh_until(state.started)))
    return value


# ---------------------------------------------------------------------------
# Changes


def invalidate_on_change(model, change_of=None):
    """Stale the pages showing a row of model whenever one is saved or deleted.

    change_of(instance, event) says what the change touches (a Change, or
    None for nothing a reader sees); event is "created", "updated" or
    "deleted". Without it, every page goes stale.
    """
    change_of = change_of or _everything

    def saved(sender, instance, created, **kwargs):
        _apply(change_of(instance, "created" if created else "updated"))

    def deleted(sender, instance, **kwargs):
        _apply(change_of(instance, "deleted"))

    # Closures: weak=False keeps them alive.
    post_save.connect(saved, sender=model, weak=False,
                      dispatch_uid=f"pagecache-save-{model._meta.label}")
    post_delete.connect(deleted, sender=model, weak=False,
                        dispatch_uid=f"pagecache-delete-{model._meta.label}")


def remember_before_save(model, snapshot):
    """Keep snapshot(instance) of the stored row on the instance before it is saved.

    change_of functions compare it with the new values (a story moved to
    another section stales both sections' lists): `instance._pagecache_before`,
    None for a new row.
    """

    def before(sender, instance, raw=False, **kwargs):
        instance._pagecache_before = None if instance._state.adding else snapshot(instance)

    pre_save.connect(before, sender=model, weak=False,
                     dispatch_uid=f"pagecache-before-{model._meta.label}")


def _everything(instance, event):
    return Change(frozenset({SITE_TAG}), takedown=event == "deleted")


def _apply(change):
    if change is None:
        return
    if change.takedown:
        if change.tags:
            changed(change.tags, takedown=True)
        if change.counted - change.tags:
            changed(change.counted - change.tags)
    elif change.tags | change.counted:
        changed(change.tags | change.counted)


def changed(tags, takedown=False):
    """Things readers can see changed: the pages showing them go stale.

    Stamped at once and again when the transaction commits: a reader who
    renders between the two sees the old rows, and must not leave them
    cached as current. Inside changes_gathered(), stamped when it ends.
    """
    tags = frozenset(tags)
    gathered = getattr(_gathering, "changes", None)
    if gathered is not None:
        gathered[takedown] |= tags
        return
    # Edge caches are purged after the commit only: until then the page they
    # hold is still the current one, and a purge now would only be sent twice.
    _stamp(tags, takedown, purge_edge=False)
    transaction.on_commit(partial(_stamp, tags, takedown))


_gathering = threading.local()


@contextmanager
def changes_gathered():
    """The changes made inside, stamped as one when the block ends.

    Each saved row stamps its tags (changed()); a stamp is a few writes to
    the cache, files with the file cache: an import of 3,000 stories held
    SQLite's write lock for 32 s, 12 of them stamping.
    End the block inside the transaction, so that the stamp comes before
    the commit as each row's would. Stamped even if the block fails: a
    stamp too many only renders a page again.
    """
    if getattr(_gathering, "changes", None) is not None:
        yield  # the outer block stamps
        return
    _gathering.changes = {False: frozenset(), True: frozenset()}
    try:
        yield
    finally:
        gathered, _gathering.changes = _gathering.changes, None
        for takedown, tags in gathered.items():
            if tags:
                changed(tags, takedown)


def _stamp(tags, takedown, purge_edge=True):
    at = time.time() + STAMP_MARGIN
    stamps = {_soft_key(t): at for t in tags}
    if takedown:
        stamps.update({_hard_key(t): at for t in tags})
    cache.set_many(stamps, max(stamps_ttl(), CHANGE_DATES_SECONDS))
    # A change may move the next scheduled publication (or be one).
    cache.delete(NEXT_PUBLICATION_KEY)
    epoch = cache.get(EPOCH_KEY)
    try:
        count = cache.incr(CHANGES_KEY)
    except ValueError:
        _new_epoch()
    else:
        # The log of changes: what the change with this count touched (_changes_since).
        if epoch is not None:
            cache.set(_log_key(epoch, count), (at, tags, takedown), stamps_ttl())
    if purge_edge:
        edge.purge(sorted(tags))


def stamps_ttl():
    """How long a change is kept: longer than any page rendered before it lives.

    So a tag with no stamp has not changed since any live page was rendered.
    The log keeps a change this long; the stamps, CHANGE_DATES_SECONDS.
    """
    return settings.PAGE_CACHE_SECONDS + 2 * GRACE + int(STAMP_MARGIN) + 60


def _soft_key(name):
    return f"{STATE}tag:{name}"


def _log_key(epoch, count):
    return f"{STATE}log:{epoch}:{count}"


def _hard_key(name):
    return f"{STATE}takedown:{name}"


def takedown_on_record(tag):
    """Whether the page cache holds a takedown of tag (not when it cannot be reached)."""
    return cache.get(_hard_key(tag)) is not None


# ---------------------------------------------------------------------------
# Scheduled publication


def publication_sweep_from(next_publication, published_between):
    """Let the app that schedules stories say when they go public and what they touch.

    next_publication(after) returns the first scheduled time after `after`
    (aware datetimes) or None; published_between(start, end) returns the
    tags that the stories going public in [start, end] touch.
    """
    global _next_publication_source, _published_between
    _next_publication_source = next_publication
    _published_between = published_between


def _read_counters():
    """((epoch, count of changes), next scheduled publication as a timestamp), in one round trip.

    A new epoch starts whenever the count is missing (never set, evicted, or
    its write lost while Redis was away): entries from an older epoch are
    never served, since changes may have gone unrecorded.
    """
    # Read from Redis once per process and again only when one changes
    # (core.redis_cache._Watch): most hits make no round trip at all.
    read = getattr(cache, "watched_get_many", cache.get_many)
    values = read([EPOCH_KEY, CHANGES_KEY, NEXT_PUBLICATION_KEY])
    if EPOCH_KEY not in values or CHANGES_KEY not in values:
        _new_epoch()
        values.update(cache.get_many([EPOCH_KEY, CHANGES_KEY]))
    next_publication = values.get(NEXT_PUBLICATION_KEY)
    if next_publication is None:
        next_publication = _find_next_publication()
    return (values.get(EPOCH_KEY), values.get(CHANGES_KEY)), next_publication


def _new_epoch():
    cache.set(EPOCH_KEY, int.from_bytes(os.urandom(6)), None)
    cache.set(CHANGES_KEY, 0, None)
    cache.set(DATES_SINCE_KEY, time.time(), None)


def _swept_until(now):
    """Until when scheduled publications have been stamped.

    Unknown (never swept, or evicted): as far back as any live page goes,
    so that no publication a cached page predates is missed.
    """
    return cache.get(SWEPT_KEY) or now - settings.PAGE_CACHE_SECONDS - GRACE


def _find_next_publication():
    """The first scheduled publication not yet swept, kept in the shared cache."""
    if _next_publication_source is None:
        return NO_PUBLICATION
    after = datetime.fromtimestamp(_swept_until(time.time()), tz=dt_timezone.utc)
    try:
        upcoming = _next_publication_source(after)
    except DatabaseError:
        # Unknown while the database is away: kept pages are served with
        # lifetimes that end now, so that no other cache keeps them.
        return time.time()
    found = upcoming.timestamp() if upcoming else NO_PUBLICATION
    cache.set(NEXT_PUBLICATION_KEY, found, None)
    return found


def publication_sweep(now):
    """Scheduled stories went public: stamp what they touch (one request does it)."""
    if _published_between is None or not cache.add(SWEEP_LOCK_KEY, 1, RENDER_LOCK_SECONDS):
        return
    try:
        start = datetime.fromtimestamp(_swept_until(now), tz=dt_timezone.utc)
        tags = _published_between(start, datetime.fromtimestamp(now, tz=dt_timezone.utc))
        # Stamped now (no transaction to wait for): the stories are public already.
        _stamp(frozenset(tags), takedown=False)
        cache.set(SWEPT_KEY, now, None)
        _find_next_publication()
    finally:
        cache.delete(SWEEP_LOCK_KEY)


# ---------------------------------------------------------------------------
# Freshness


def _fresh_until(now):
    """Midnight in TIME_ZONE (the masthead's date) or PAGE_CACHE_SECONDS from now."""
    return min(now + settings.PAGE_CACHE_SECONDS, _next_midnight(now))


# (TIME_ZONE, from, midnight): the next midnight worked out for the day it is now,
# kept by the process: every hit's headers ask for it (_public_headers).
_midnight = ("", 0.0, 0.0)


def _next_midnight(now):
    """The next midnight in TIME_ZONE, when the masthead's date changes, as a timestamp."""
    global _midnight
    zone, start, midnight = _midnight
    if zone == settings.TIME_ZONE and start <= now < midnight:
        return midnight
    local = timezone.localtime(datetime.fromtimestamp(now, tz=dt_timezone.utc))
    midnight = timezone.make_aware(
        datetime.combine(local.date() + timedelta(days=1), datetime.min.time()),
        local.tzinfo,
    ).timestamp()
    _midnight = (settings.TIME_ZONE, now, midnight)
    return midnight


def _judge(entry, changes, now):
    """(FRESH, STALE or GONE, the entry as known to be current)."""
    if changes[0] is None:
        return GONE, entry  # the cache cannot be read: nothing is known to be current
    if entry.changes == changes:
        if now < entry.fresh_until:
            return FRESH, entry
        return (STALE if now < _stale_until(entry, entry.fresh_until) else GONE), entry
    if entry.changes[0] != changes[0]:
        return GONE, entry  # stored before changes may have gone unrecorded
    since = _changes_since(changes[0], entry.changes[1], changes[1])
    if since is not None:
        # Every change counted after the render read the count, and nothing
        # else, can be missing from it (changed() stamps again on commit).
        touched = [(at, takedown) for at, tags, takedown in since if tags & entry.tags]
        if any(takedown for _, takedown in touched):
            return GONE, entry
        latest = max((at for at, _ in touched), default=None)
    else:
        latest = _latest_stamp(entry)
        if latest is GONE:
            return GONE, entry
    if latest is not None:
        changed_at = latest - STAMP_MARGIN
        return (STALE if now < _stale_until(entry, changed_at) else GONE), entry
    # Nothing it shows changed: it is current under today's count.
    current = replace(entry, changes=changes)
    if now >= entry.fresh_until:
        return (STALE if now < _stale_until(entry, entry.fresh_until) else GONE), current
    return FRESH, current


def _stale_until(entry, since):
    """GRACE after since, but never past the midnight after the render: the previous copy
    would show the day before on its masthead (and an edge cache that asks then would
    serve it to readers)."""
    return min(since + GRACE, _next_midnight(entry.rendered_at))


def _latest_stamp(entry):
    """The time of the latest change to what entry shows since it was rendered (None: none).

    GONE when one of them is a takedown. Read from the tags' stamps, in one
    round trip: what the log of changes cannot answer.
    """
    soft_keys = [_soft_key(t) for t in entry.tags]
    hard_keys = [_hard_key(t) for t in entry.tags]
    # A missing stamp: no change for longer than any entry lives (stamps_ttl()).
    stamps = cache.get_many(soft_keys + hard_keys)
    if any(stamps.get(key, 0) >= entry.rendered_at for key in hard_keys):
        return GONE
    latest = max((stamps.get(key, 0) for key in soft_keys), default=0)
    return latest if latest >= entry.rendered_at else None


def last_changed(request, stated):
    """stated, the newest item's time a feed or sitemap is dated by, as its Last-Modified
    header will say it: moved on to the latest change stamped on the page's tags.

    The header is dated so (_last_modified): a
    story taken down leaves the newest remaining item older than the page's
    last change. The dates written inside the page (Atom's <updated>, RSS's
    lastBuildDate, the sitemap index's <lastmod>) follow the same rule, or
    they moved backwards, and search engines skip a sitemap whose date did.
    None stays None (nothing to date).
    """
    if stated is None or not settings.PAGE_CACHE_ENABLED:
        return stated
    stamp = stated.timestamp()
    changed = _last_modified(stamp, page_tags(request), time.time())
    return stated if changed == stamp else datetime.fromtimestamp(changed, tz=dt_timezone.utc)


def _last_modified(stated, tags, now):
    """When a page dated by its view (feeds, sitemaps: their newest item's time) last changed.

    Its newest item says nothing of a story taken down, moved or deleted:
    the feed lost an item and kept its date, and readers asking
    If-Modified-Since were told 304 and kept the story. Every such change
    stamps the page's tags, so the page changed no later than the latest of
    the stated time and its tags' stamps. A tag without a stamp changed
    CHANGE_DATES_SECONDS ago or more, or before the stamps were kept (an
    emptied cache, a release that kept them shorter): the page is dated no
    earlier than that. Never later than now, as RFC 9110 8.8.2.1 asks.
    """
    keys = [_soft_key(t) for t in tags]
    found = cache.get_many([DATES_SINCE_KEY, *keys])
    # A stamp is the change's time plus STAMP_MARGIN: dated by the change itself.
    dates = [stated, *(found[key] - STAMP_MARGIN for key in keys if key in found)]
    if not all(key in found for key in keys):
        since = found.get(DATES_SINCE_KEY)
        if since is None:  # unknown (never set, or the cache cannot be read): from now on
            since = now
            cache.add(DATES_SINCE_KEY, since, None)
        dates.append(max(since, now - CHANGE_DATES_SECONDS))
    return min(max(dates), now)


def _changes_since(epoch, old, new):
    """[(stamp, tags, takedown)] of the changes counted old + 1 to new, or None if unknown.

    Each is read from the shared cache once per process and kept (it never
    changes), so a newsroom at work costs each process one round trip per
    change, not one per page it serves. Unknown when the log is missing an
    entry (evicted, or its change still writing it) or spans more than
    LOG_SPAN changes: the tags' stamps answer then.
    """
    if new - old > LOG_SPAN:
        return None
    counts = range(old + 1, new + 1)
    with _local_lock:
        known = {n: _log.get((epoch, n)) for n in counts}
    missing = [n for n, change in known.items() if change is None]
    if missing:
        found = cache.get_many([_log_key(epoch, n) for n in missing])
        for n in missing:
            known[n] = found.get(_log_key(epoch, n))
        if any(change is None for change in known.values()):
            return None
        with _local_lock:
            for n in missing:
                _log[(epoch, n)] = known[n]
            while len(_log) > LOG_SPAN * 4:
                _log.popitem(last=False)
    return list(known.values())


def _lookup(key):
    entry = _recent(key)
    if entry is None:
        entry = cache.get(key)
        if entry is not None:
            _remember(key, entry)
    return entry


def _store(key, entry):
    if entry.changes[0] is None:
        return  # rendered while the cache could not be read
    cache.set(key, entry, max(1, int(entry.fresh_until + GRACE - entry.rendered_at)))
    _remember(key, entry)


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


# ---------------------------------------------------------------------------
# The middleware


def _anonymous(request):
    """Whether the request carries no session and no pending message.

    A cookie counts only when there is one behind it: anyone may send
    `sessionid=x`, and each such request was rendered anew (25 ms for a
    page a hit serves in 1.5; the transparency report's figures counted
    again each time). A session is looked up where the sessions are kept (a
    signed-in reader's is in the cache), a message cookie's signature
    checked.
    """
    cookies = request.COOKIES
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    if session_key is not None and _session_exists(session_key):
        return False
    messages = cookies.get(CookieStorage.cookie_name)
    return messages is None or not _signed_by_us(messages)


def _session_exists(key):
    if not (key.isascii() and key.isalnum() and len(key) <= 64):
        return False  # no session store makes such a key
    try:
        return import_module(settings.SESSION_ENGINE).SessionStore().exists(key)
    except DatabaseError:
        return True  # as if signed in: the page is rendered for them, as before


def _signed_by_us(messages):
    try:
        signing.get_cookie_signer(salt=CookieStorage.key_salt).unsign(messages)
    except signing.BadSignature:
        return False
    return True


def _public_view(request):
    """Whether the URL belongs to a view marked public_page (other URLs skip the cache)."""
    found = _route(request.path_info)
    if found is None:
        return False
    request.page_cache_route, view = found
    if not getattr(view, "is_public_page", False):
        return False
    request.page_cache_params = view.page_cache_params
    return True


def _route(path):
    """(route, view) of the URL path, or None: resolved once per process and path.

    Resolving walks the URL patterns; a hit would spend a third of its time
    there. Kept per resolver, so a new URLconf (tests change it) starts
    afresh, and at most ROUTES paths, so that made-up URLs cannot fill memory.
    """
    resolver = get_resolver(get_urlconf())
    routes = _routes.get(resolver)
    if routes is None:
        routes = _routes.setdefault(resolver, {})
    found = routes.get(path, _UNKNOWN)
    if found is _UNKNOWN:
        try:
            match = resolver.resolve(path)
        except Resolver404:
            found = None
        else:
            found = (match.route, match.func)
        if len(routes) >= ROUTES:
            routes.clear()
        routes[path] = found
    return found


def _key(request):
    """The page's key: host name (no port), path, and the parameters its view reads."""
    query = ""
    if request.page_cache_params and request.GET:
        query = urlencode(_declared_values(request.GET, request.page_cache_params))
    # Any port passes ALLOWED_HOSTS and no page shows it (links use SITE_URL).
    # The name comes lowercased, without a final dot: LOCALHOST and localhost.
    # are localhost's page (the edge's VCL keys on the same form).
    host, _ = split_domain_port(request.get_host())
    raw = f"{host}|{request.path}?{query}".encode("utf-8", "surrogateescape")
    return f"pagecache:{PAGE_FORMAT}:{hashlib.sha256(raw).hexdigest()}"



def compress(content):
    """A page's gzip copy, made once per stored page.

    Without GZipMiddleware's random padding against BREACH: a stored page is
    the same for every anonymous reader and holds no secret (no CSRF token,
    no session: answers that set a cookie are never stored).
    """
    return gzip.compress(content, compresslevel=6, mtime=0)


def _accepts_gzip(request):
    return accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", ""))


def _gzip_etag(etag):
    # The compressed copy is another representation: a strong ETag may not name both
    # (RFC 9110 8.8.1). Its weak form still matches the page in If-None-Match.
    return "W/" + etag


def _not_modified(request, etag, headers):
    """Whether the reader's copy is the page (RFC 9110 13.2.2), given its (name, value) headers.

    If-None-Match names it, by weak comparison (13.1.2); without that header,
    If-Modified-Since is no earlier than its Last-Modified (feeds and
    sitemaps send one), to the second as HTTP dates go (13.1.3).
    """
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if header:
        opaque = etag.removeprefix("W/")
        return any(tag == "*" or tag.removeprefix("W/") == opaque for tag in parse_etags(header))
    since = request.META.get("HTTP_IF_MODIFIED_SINCE")
    if not since:
        return False
    modified = next((value for name, value in headers if name.lower() == "last-modified"), "")
    # None for an unreadable date, or two dates in one header: ignored.
    since, modified = parse_http_date_safe(since), parse_http_date_safe(modified)
    return since is not None and modified is not None and modified <= since


def _with_gzip(key, entry):
    """The entry with its compressed copy, stored for every process to serve."""
    status, headers, content, etag, _ = entry.value
    entry = replace(entry, value=(status, headers, content, etag, compress(content)))
    cache.set(key, entry, max(1, int(entry.fresh_until + GRACE - time.time())))
    _remember(key, entry)
    return entry


def _build(entry, request, now, verdict, next_publication):
    status, headers, content, etag, gzipped = entry.value
    encoded = bool(gzipped) and _accepts_gzip(request)
    if encoded:
        content, etag = gzipped, _gzip_etag(etag)
    if _not_modified(request, etag, headers):
        response = HttpResponseNotModified()
        for name, value in headers:
            if name == "Vary":
                response[name] = value
    else:
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        if encoded:
            response["Content-Encoding"] = "gzip"
        # As a miss has it (CommonMiddleware): without it a GET was sent chunked,
        # and a HEAD did not say the page's size.
        response["Content-Length"] = str(len(content))
    response["ETag"] = etag
    if verdict == FRESH:
        _public_headers(response, entry, now, next_publication)
        response["X-Page-Cache"] = "hit"
    else:
        # The previous copy, while another request renders the page anew:
        # no other cache may keep it.
        patch_cache_control(response, no_cache=True)
        response["X-Page-Cache"] = "stale"
    return response


def _public_headers(response, entry, now, next_publication):
    """Lifetimes for browsers and edge caches, and the tags edge caches purge by."""
    # Readers' lifetimes are the page's own, whatever is scheduled: ended at the
    # next scheduled story, they told anyone polling that an embargoed story
    # exists, and its second. Browsers keep a page BROWSER_MAX_AGE at most, so
    # a scheduled story shows there at most that late, as an edit does. When
    # the next scheduled time has passed unswept or is unknown (the database
    # is away), no other cache may keep the page.
    max_age = max(0, int(entry.fresh_until - now)) if next_publication > now else 0
    # A cache may go on serving the page while it asks for it anew, but not past
    # midnight, when the masthead's date changes.
    stale = max(0, min(STALE_WHILE_REVALIDATE, int(_next_midnight(now) - now) - max_age))
    # Written out rather than through patch_cache_control(): it is on every hit.
    response["Cache-Control"] = (f"public, max-age={min(max_age, settings.BROWSER_MAX_AGE)}, "
                                 f"s-maxage={max_age}, stale-while-revalidate={stale}")
    # Only for an edge cache, which takes them off (deploy/varnish/default.vcl).
    if settings.EDGE_PURGE_URLS or settings.EDGE_CACHE_TAGS:
        # Edge caches cannot run the publication sweep: they keep a page no
        # longer than the next scheduled story, so that a request then reaches us.
        edge_age = max(0, int(min(entry.fresh_until, next_publication) - now))
        response["Surrogate-Control"] = f"max-age={edge_age}"
        # Varnish's xkey reads the first; CDNs that purge by surrogate key, the
        # second. Readers would learn what the newsroom links together, and
        # from gaps in story numbers, that drafts exist.
        response["xkey"] = response["Surrogate-Key"] = " ".join(sorted(entry.tags))


class PageCacheMiddleware:
    """Serve and store whole public pages for anonymous GET and HEAD requests."""

    STORED_HEADERS = ("Content-Type", "Content-Language", "Vary", "Link", "X-Robots-Tag",
                      "Last-Modified")

    def __init__(self, get_response):
        self.get_response = get_response
        # Built where requests are answered (gunicorn's workers, runserver, the test
        # client), not by migrate or the task worker: their connections get time limits.
        answer_requests()

    def __call__(self, request):
        if (not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD")
                or not _public_view(request) or not _anonymous(request)):
            return self._private(request)
        try:
            key = _key(request)
        except DisallowedHost:
            # A host not in ALLOWED_HOSTS: raised again further in, the site's
            # 400 then leaves through here, private like any answer not kept.
            return self._private(request)

        state = _request_state(request)
        now = state.started
        changes = state.changes  # before the view reads anything
        entry = _lookup(key)
        stale = None
        if entry is not None:
            verdict, current = _judge(entry, changes, now)
            if verdict == FRESH:
                if current.value[4] == NOT_YET and _accepts_gzip(request):
                    current = _with_gzip(key, current)
                elif current is not entry:
                    _remember(key, current)
                return _build(current, request, now, FRESH, state.next_publication)
            if verdict == STALE:
                if not cache.add(f"{key}:rendering", 1, RENDER_LOCK_SECONDS):
                    return _build(entry, request, now, STALE, state.next_publication)
                stale = key
        try:
            response = self._render(request, key, state)
        finally:
            if stale:
                cache.delete(f"{key}:rendering")
        if stale and getattr(response, "database_unavailable", False):
            # The database is away (core.views.server_error): the previous
            # copy, as while another request renders it, rather than a 503.
            return _build(entry, request, now, STALE, state.next_publication)
        return response

    def _private(self, request):
        """The answer, rendered for this request alone: no other cache may keep it.

        Nor the browser, when the request carries a session or a notice: the page
        names a signed-in reader or staff member and holds their forms. Kept
        (`no-cache` alone), it came back from the back/forward cache after they
        signed out, still "Signed in as ...", for the next person at that computer.
        """
        # Read before the view: signing out deletes the cookie.
        personal = any(name in request.COOKIES
                       for name in (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name))
        response = self.get_response(request)
        if "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_cache=True)
            if personal:
                patch_cache_control(response, no_store=True)
        return response

    def _render(self, request, key, state):
        request.page_cache_eligible = True
        # Cookies with nothing behind them (_anonymous) are not passed on: a
        # session cookie that names no session is answered with one that
        # deletes it, and an answer that sets a cookie is never kept, so each
        # request with `sessionid=x` rendered a page no one had yet kept.
        for name in (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name):
            request.COOKIES.pop(name, None)
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
        now = time.time()
        stated = parse_http_date_safe(response.get("Last-Modified", ""))
        if stated is not None:
            changed = _last_modified(stated, page_tags(request), now)
            if int(changed) == int(now):
                # Changed in this very second: HTTP dates are whole seconds, so a
                # takedown later in it would carry the same date, and a reader
                # holding this copy would be told 304. Only the ETag validates it
                # (RFC 9110 8.8.2.2); the next render dates the page.
                del response["Last-Modified"]
            else:
                response["Last-Modified"] = http_date(changed)
        content = response.content
        etag = '"' + hashlib.md5(content, usedforsecurity=False).hexdigest() + '"'
        gzipped = None
        if len(content) >= COMPRESS_MIN_BYTES and compressible(response.get("Content-Type", "")):
            gzipped = compress(content) if _accepts_gzip(request) else NOT_YET
            patch_vary_headers(response, ("Accept-Encoding",))
        headers = [(name, response[name]) for name in self.STORED_HEADERS if name in response]
        entry = Entry((response.status_code, headers, content, etag, gzipped),
                      page_tags(request), state.started, state.changes,
                      _fresh_until(state.started))
        if gzipped:
            etag = _gzip_etag(etag)
            response.content = gzipped
            response["Content-Encoding"] = "gzip"
            response["Content-Length"] = str(len(gzipped))
        response["ETag"] = etag
        # While the cache cannot be read (changes unknown), pages come from the
        # database and are kept nowhere here; edge caches are still purged.
        if state.changes[0] is None or _judge(entry, _read_counters()[0], now)[0] == FRESH:
            _store(key, entry)
            _public_headers(response, entry, now, state.next_publication)
            response["X-Page-Cache"] = "miss"
        else:
            # Something it shows changed while it rendered: serve it, keep it nowhere.
            patch_cache_control(response, no_cache=True)
            response["X-Page-Cache"] = "stale"
        if _not_modified(request, etag, response.items()):
            not_modified = HttpResponseNotModified()
            for name in ("ETag", "Vary", "Cache-Control", "Surrogate-Control", "X-Page-Cache",
                         "xkey", "Surrogate-Key"):
                if name in response:
                    not_modified[name] = response[name]
            return not_modified
        return response
