"""Purge the edge caches (Varnish, deploy/varnish/default.vcl) by cache tag.

Public pages name what they show in an `xkey` header (`story-12 section-3
site`); purge(["story-12"]) asks every cache in settings.EDGE_PURGE_URLS to
drop, at once and for good, every page carrying one of those tags:
`PURGE /` with `xkey-purge: story-12`.

An edge cache that is down or slow must not hold up or break the change that
caused the purge: each request waits at most TIMEOUT seconds, a cache that
fails is skipped for the rest of the call, and failures are logged rather
than raised. The standard library's http.client sends the requests; unlike
urllib it ignores http_proxy, which must never see a purge.

A purge a cache missed is not forgotten: the task worker sends it again
(purge_again), after 5 seconds, then 10, 20... for as long as that cache may
still hold a page stored before the change: PAGE_CACHE_SECONDS (the longest
s-maxage the site gives) and the VCL's grace. So a story taken down while
an edge cache could not be reached leaves it as soon as the cache can be
reached again, not when its copy runs out.
"""

import http.client
import ipaddress
import logging
import re
import socket
import threading
import time
from concurrent import futures
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError
from django.tasks import task
from django.tasks.exceptions import InvalidTask
from django.utils import timezone

from .env import http_address_problem

logger = logging.getLogger(__name__)

TIMEOUT = 1  # seconds, for connecting and for each read
# A missed purge is sent again after FIRST_RETRY seconds, then after twice the
# wait each time, never more than LONGEST_RETRY apart.
FIRST_RETRY = 5
LONGEST_RETRY = 600
# How long Varnish may still serve a page after its s-maxage has run out
# (deploy/varnish/default.vcl, beresp.grace): 30 seconds while an app server
# answers, and this long while none does.
EDGE_GRACE = 6 * 3600
# Task priority (django.tasks, higher first): before every email, since a page
# that had to go may still be served meanwhile.
PRIORITY_PURGE = 60
# Bytes of tags in one xkey-purge header; Varnish refuses a header line over
# 8 KB (http_req_hdr_len) and proxies often stop at 4 KB.
HEADER_LIMIT = 4000
# xkey splits a header at spaces and commas; a tag cannot contain either.
_SEPARATORS = re.compile(r"[\s,]+")
_TAG = re.compile(r"[!-~]+")  # visible ASCII: a header value carries nothing else safely
_gathering = threading.local()
# Host names are looked up here, within TIMEOUT: socket.getaddrinfo() has no time
# limit of its own, and a resolver that hung held each save for its own timeout
# (seconds, for each cache named by host name) before TIMEOUT even began.
_lookups = futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="edge-lookup")


def purge(tags, kept_for=None):
    """Drop every page carrying any of tags from every edge cache.

    tags: an iterable of tags, or one string (xkey reads spaces and commas
    in it as separators). True when every cache confirmed every purge (also
    when no cache is set). What a cache missed is queued for the task worker
    to send again (purge_again). kept_for: the longest, in seconds, a cache
    keeps what carries them (a picture's MEDIA_MAX_AGE); PAGE_CACHE_SECONDS,
    a page's, by default.
    """
    urls = settings.EDGE_PURGE_URLS
    if isinstance(tags, str):
        tags = [tags]
    tags = _unique(tags)
    if not urls or not tags:
        return True
    gathered = getattr(_gathering, "purges", None)
    if gathered is not None:
        gathered.setdefault(kept_for, {}).update(dict.fromkeys(tags))
        return True
    confirmed = True
    for url in urls:
        if not _purge_at(url, tags):
            confirmed = False
            # What is not an address fails for good (manage.py check says so: core.E002).
            if url_problem(url) is None:
                kept = settings.PAGE_CACHE_SECONDS if kept_for is None else kept_for
                deadline = time.time() + kept + EDGE_GRACE
                _retry_later(url, tags, deadline, attempt=1)
    return confirmed


@contextmanager
def purges_gathered():
    """The purges asked for inside, sent as one when the block ends, whatever ends it.

    For work that changes many things at once (an import): each picture it
    deletes and each page it changes would otherwise be one request to each
    cache, and one second each while a cache hangs. Inside another such block,
    the outer one sends them.
    """
    if getattr(_gathering, "purges", None) is not None:
        yield
        return
    _gathering.purges = {}
    try:
        yield
    finally:
        gathered, _gathering.purges = _gathering.purges, None
        for kept_for, tags in gathered.items():
            purge(list(tags), kept_for=kept_for)


@task(priority=PRIORITY_PURGE)
def purge_again(url, tags, deadline, attempt):
    """Send a purge url missed again (in the worker); if it fails once more, later again.

    deadline: the time (a Unix timestamp) by which every page that cache may
    have stored before the change has run out, after which no purge is needed.
    """
    if _purge_at(url, tags):
        logger.info("Edge purge to %s went through, sent again %d time(s)", url, attempt)
    else:
        _retry_later(url, tags, deadline, attempt + 1)


def _purge_at(url, tags):
    """Whether one cache confirmed the purge of every tag."""
    # all() stops at a failure: down or refusing, the next chunk would fail the same way.
    return all(_send(url, header) for header in _headers(tags))


def _retry_later(url, tags, deadline, attempt):
    """Queue the purge's `attempt`-th sending again, if it is still needed by then."""
    wait = min(FIRST_RETRY * 2 ** (attempt - 1), LONGEST_RETRY)
    left = deadline - time.time()
    if wait >= left:
        logger.warning("Edge purge to %s not sent again: what that cache may hold from "
                       "before the change runs out within %d seconds", url, max(0, left))
        return
    try:
        purge_again.using(run_after=timezone.now() + timedelta(seconds=wait)).enqueue(
            url=url, tags=list(tags), deadline=deadline, attempt=attempt)
    except (InvalidTask, DatabaseError) as error:
        # The task backend runs nothing later (the immediate one), or its table is
        # out of reach: the pages stay at that cache until their s-maxage runs out.
        logger.error("Edge purge to %s cannot be sent again: %s: %s",
                     url, type(error).__name__, error)


def _unique(tags):
    """The tags as xkey reads them, each once, in their first order; malformed ones logged."""
    unique = {}
    for value in tags:
        for tag in _SEPARATORS.split(str(value)):
            if not tag:
                continue
            if _TAG.fullmatch(tag):
                unique[tag] = None
            else:
                logger.error("Edge purge: %r is not a cache tag (visible ASCII only)", tag)
    return list(unique)


def _headers(tags):
    """Space-separated runs of tags, each at most HEADER_LIMIT bytes (a longer tag goes alone)."""
    header = ""
    for tag in tags:
        if header and len(header) + 1 + len(tag) > HEADER_LIMIT:
            yield header
            header = ""
        header = f"{header} {tag}" if header else tag
    if header:
        yield header


def _send(url, header):
    """One PURGE to one cache; whether it answered 200."""
    connection = None
    try:
        parts = _parts(url)
        connection_class = (http.client.HTTPSConnection if parts.scheme == "https"
                            else http.client.HTTPConnection)
        connection = connection_class(parts.hostname, parts.port, timeout=TIMEOUT)
        address = _looked_up(parts.hostname, connection.port)
        # To the address found; the Host header, and TLS's name, stay the host's.
        connection._create_connection = (
            lambda _, *args, **kwargs: socket.create_connection(address, *args, **kwargs))
        connection.request("PURGE", parts.path or "/", headers={"xkey-purge": header})
        response = connection.getresponse()
        body = response.read(200).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException, ValueError) as error:
        logger.warning("Edge purge to %s failed: %s: %s", url, type(error).__name__, error)
        return False
    finally:
        if connection is not None:
            connection.close()
    if response.status != 200:
        logger.warning("Edge purge to %s answered %s: %s", url, response.status, body)
        return False
    logger.info("Edge purge to %s: %s", url, body)
    return True


def _looked_up(host, port):
    """(address, port) of host, looked up within TIMEOUT seconds (TimeoutError, an OSError,
    after that: the purge is sent again later, as for a cache that does not answer)."""
    try:
        return str(ipaddress.ip_address(host)), port
    except ValueError:
        pass
    found = _lookups.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        return found.result(timeout=TIMEOUT)[0][4][:2]
    except futures.TimeoutError:
        raise TimeoutError(f"looking up {host} took over {TIMEOUT} s") from None


def _parts(url):
    """urlsplit(url) of an edge cache's address; ValueError for anything else."""
    if (problem := url_problem(url)) is not None:
        raise ValueError(problem)
    return urlsplit(url)


def url_problem(url):
    """Why url cannot be an edge cache's address in EDGE_PURGE_URLS, or None (settings
    refuse one at start-up; manage.py check, one set otherwise)."""
    return http_address_problem(url)
