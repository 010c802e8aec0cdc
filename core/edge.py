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
"""

import http.client
import logging
import re
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT = 1  # seconds, for connecting and for each read
# Bytes of tags in one xkey-purge header; Varnish refuses a header line over
# 8 KB (http_req_hdr_len) and proxies often stop at 4 KB.
HEADER_LIMIT = 4000
# xkey splits a header at spaces and commas; a tag cannot contain either.
_SEPARATORS = re.compile(r"[\s,]+")
_TAG = re.compile(r"[!-~]+")  # visible ASCII: a header value carries nothing else safely


def purge(tags):
    """Drop every page carrying any of tags from every edge cache.

    tags: an iterable of tags, or one string (xkey reads spaces and commas
    in it as separators). True when every cache confirmed every purge (also
    when no cache is set).
    """
    urls = settings.EDGE_PURGE_URLS
    if isinstance(tags, str):
        tags = [tags]
    tags = _unique(tags)
    if not urls or not tags:
        return True
    confirmed = True
    for url in urls:
        for header in _headers(tags):
            if not _send(url, header):
                # Down or refusing: the next chunk would fail the same way.
                confirmed = False
                break
    return confirmed


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
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http:// or https:// URL")
        connection_class = (http.client.HTTPSConnection if parts.scheme == "https"
                            else http.client.HTTPConnection)
        connection = connection_class(parts.hostname, parts.port, timeout=TIMEOUT)
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
