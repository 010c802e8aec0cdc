"""Rate limits kept in the security cache, so they hold across workers and machines.

Callers validate content first and acquire an allowance only for content
they accept, so refused text never uses up a reader's allowance. That cache
(settings: CACHES["security"]) holds nothing else, so page traffic cannot push
a limit out, and it fails closed: when it cannot be reached, `acquire`
raises Unavailable and the action must not go ahead.

A limit of several in a period counts over the last period, not a window of
the clock: each use is counted in its tenth of the period (a slice of the clock),
and a use goes ahead only while the slices that hold a moment of the last
period hold fewer than the limit. So no period ever holds more (a tenth of a
period more is counted, never less). Counted by windows of the clock that each
started again from zero, twice the limit passed across an edge: 40 sign-in
attempts at 10:14:50 and 40 more at 10:15:00.
"""

import hashlib
import hmac
import ipaddress
import math
import random
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render


class Unavailable(Exception):
    """The store behind the limits cannot be reached."""


# What a reader posting a comment or a report is told while Unavailable holds.
UNAVAILABLE_NOTICE = ("We can't take posts for a moment; your text is still here. "
                      "Please try again in a minute.")
UNAVAILABLE_RETRY = 60  # seconds, for Retry-After while Unavailable holds (as sign-in's)


# How finely a limit of several in a period counts (above): in tenths of the period.
SLICES = 10


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    seconds: int


COMMENT_LIMITS = (Limit("comment-burst", 1, 10), Limit("comment-hourly", 20, 3600))
# What one connection may post, beside each reader's own limit: a household's or an
# office's readers, three readers' worth. Counted by reader alone, a hundred accounts
# made from one machine each had a reader's allowance.
COMMENT_ADDRESS_LIMITS = (Limit("comment-address-burst", 3, 10),
                          Limit("comment-address-hourly", 60, 3600))
# Comments refused for a word we do not publish: the refusal names the word, which
# an honest reader needs to rephrase, a handful of times at most; trying comment
# after comment would read the list out.
COMMENT_REFUSAL_LIMITS = (Limit("comment-refused", 10, 600),)
COMMENT_ADDRESS_REFUSAL_LIMITS = (Limit("comment-refused-address", 30, 600),)
BIAS_REPORT_LIMITS = (Limit("bias-report-hourly", 5, 3600),)
# A reader reporting a whole thread of abuse reports a handful; one reporting
# every comment on the site fills the moderators' queue.
COMMENT_REPORT_LIMITS = (Limit("comment-report-hourly", 10, 3600),)
# Emails to one inbox (email_key), whatever sends them: beside each form's own limit,
# every form that emails an address typed into it (subscribing, sign-up, a password
# reset, a new account address) and every bias report's outcome takes from this one
# allowance. With only a limit of their own, one inbox got about 12 an hour.
INBOX_LIMITS = (Limit("inbox-hourly", 5, 3600),)


def acquire(limits, ident, now=None, also=()):
    """Use one of ident's allowances under every limit, atomically where the cache is.

    also: more (limits, ident) pairs whose allowances are used with these or
    not at all (a reader's and their connection's). Returns 0 when the action
    may go ahead, else the seconds to wait (and nothing is used up). Raises
    Unavailable when the limits cannot be checked.
    """
    now = time.time() if now is None else now
    cache = caches["security"]
    taken = []
    for limit, who in [(limit, ident) for limit in limits] + [
            (limit, other) for more, other in also for limit in more]:
        if limit.count == 1:
            # One per period: a marker that lives `seconds` from the last use.
            key = f"ratelimit:{limit.scope}:{who}"
            if cache.add(key, now + limit.seconds, limit.seconds):
                taken.append((key, None))
                continue
            # The marker holds another request's clock, which may be ahead of
            # ours (a later request, another machine): never more than the period.
            wait = min((cache.get(key) or now + 1) - now, limit.seconds)
        else:
            starts, width = _slices(limit, now)
            keys = [f"ratelimit:{limit.scope}:{who}:{start}" for start in starts]
            cache.add(keys[0], 0, limit.seconds + width + 1)
            try:
                used = cache.incr(keys[0])
            except ValueError:  # expired between add and incr
                cache.set(keys[0], 1, limit.seconds + width + 1)
                used = 1
            earlier = cache.get_many(keys[1:])
            if used + sum(earlier.values()) <= limit.count:
                taken.append((keys[0], limit))
                continue
            cache.decr(keys[0])
            counts = [used - 1] + [earlier.get(key, 0) for key in keys[1:]]
            wait = _wait(limit, starts, width, counts, now)
        _give_back(cache, taken)
        return max(1, math.ceil(wait))
    return 0


def _slices(limit, now):
    """The starts of the slices of the clock limit counts at now, the current one first
    (each slice that holds a moment of the last period), and their width."""
    width = max(1, limit.seconds // SLICES)
    start = int(now // width) * width
    return [start - back * width for back in range(-(-limit.seconds // width) + 1)], width


def _wait(limit, starts, width, counts, now):
    """Seconds until one more use fits under limit: the slices leave the period, the
    oldest first, until what the others hold (counts, as starts) leaves room for one."""
    held = sum(counts)
    for start, count in reversed(list(zip(starts, counts))):
        held -= count
        if held < limit.count:
            return start + width + limit.seconds - now
    return limit.seconds  # a limit of no uses has no room ever


def _give_back(cache, taken):
    for key, limit in taken:
        if limit is None:
            cache.delete(key)
        else:
            cache.decr(key)


def give_back(limits, ident, now):
    """Return what acquire(limits, ident, now) used: the action failed under it (the
    database went away), and the reader did nothing that should count."""
    taken = [(_key(limit, ident, now), None if limit.count == 1 else limit)
             for limit in limits]
    try:
        _give_back(caches["security"], taken)
    except (Unavailable, ValueError):  # the store is away, or the count ran out meanwhile
        pass


def _key(limit, ident, now):
    """The key acquire() counts limit under for ident at now."""
    if limit.count == 1:
        return f"ratelimit:{limit.scope}:{ident}"
    return f"ratelimit:{limit.scope}:{ident}:{_slices(limit, now)[0][0]}"


# Places whose taking timed out: a store that hung runs the command when it
# answers again, and the place is then taken for a token no one holds (every
# search was refused for the rest of its `seconds`). (key, token, until as
# time.monotonic()), given back by this process's next place() that reaches the store.
_unsure_places = []
_unsure_lock = threading.Lock()


@contextmanager
def place(scope, places, seconds):
    """Take one of `places` places for a dear action, shared by every worker and machine.

    Yields True with a place taken, given back on leaving; False when every
    place is taken; True with none taken when the store cannot be reached or
    `places` is 0 or less (the action goes ahead). A place whose worker died
    holding it frees itself after `seconds`.
    """
    places = max(places, 0)
    cache, held, full = caches["security"], None, False
    token = secrets.token_hex(8)
    try:
        _give_back_unsure(cache)
        for number in random.sample(range(places), places):
            key = f"place:{scope}:{number}"
            try:
                taken = cache.add(key, token, seconds)
            except Unavailable:
                with _unsure_lock:
                    _unsure_places.append((key, token, time.monotonic() + seconds))
                raise
            if taken:
                held = key
                break
        else:
            full = places > 0
    except Unavailable:
        pass
    if full:
        yield False
        return
    try:
        yield True
    finally:
        if held:
            try:
                if cache.get(held) == token:  # not a place taken since it freed itself
                    cache.delete(held)
            except Unavailable:
                pass  # it frees itself after `seconds`


def _give_back_unsure(cache):
    """Free the places this process's timed-out takings may have taken (_unsure_places)."""
    with _unsure_lock:
        unsure = [entry for entry in _unsure_places if entry[2] > time.monotonic()]
        _unsure_places.clear()
    for done, (key, token, _) in enumerate(unsure):
        try:
            if cache.get(key) == token:
                cache.delete(key)
        except Unavailable:
            with _unsure_lock:
                _unsure_places.extend(unsure[done:])
            raise


IPV6_PREFIX = 64  # bits of an IPv6 address that name one customer


def client_address(request):
    """The reader's network address: X-Forwarded-For only as far as trusted proxies wrote it.

    With BEHIND_PROXY, when the request comes from a trusted proxy, the
    rightmost forwarded address that is not itself a trusted proxy: each
    proxy appends the address it got the request from, and everything to the
    left of the first untrusted one is the client's to forge.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if not getattr(settings, "BEHIND_PROXY", False):
        return remote
    trusted = _networks(tuple(settings.TRUSTED_PROXIES))
    if not _within(_address(remote), trusted):
        return remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(entry)
        if address is not None and not _within(address, trusted):
            return str(address)
    return remote


@lru_cache(maxsize=8)
def _networks(proxies):
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies)


def _address(text):
    """An IP address from a header entry ("203.0.113.7", "[2001:db8::1]:443"), else None."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # an IPv4 address with a port
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client of an IPv6 listener arrives as ::ffff:a.b.c.d.
    return getattr(address, "ipv4_mapped", None) or address


def _within(address, networks):
    return address is not None and any(address in network for network in networks)


def fingerprint(value):
    """A keyed hash: lets us match an address without storing it."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def client_network(request):
    """What one client's attempts are counted as: its IPv4 address, or its IPv6 /64.

    An IPv6 customer is given a whole /64 at least (RFC 6177) and may send
    from any address in it: counted by address, each try could come from a
    new one, and no limit would ever be reached.
    """
    address = _address(client_address(request))
    if address is None:  # as the server was given it (not an IP address: a test's, a socket's)
        return client_address(request)
    if address.version == 6:
        return str(ipaddress.ip_network((address, IPV6_PREFIX), strict=False))
    return str(address)


def address_key(request):
    """What a connection's attempts are counted under: its address (IPv6: its /64), hashed."""
    return "address:" + fingerprint(client_network(request))


def email_key(email):
    """What the emails sent to one address are counted under, however it is written.

    One mailbox, one key: a quoted local part counts as what it quotes
    ("ana"@ and "a\\na"@ are ana@), a +suffix not at all (ana+1@ and ana+2@
    are ana@: most mail services deliver them to one inbox, which had an
    allowance for each spelling), the domain as its ASCII (IDNA) form, which is
    where mail for it goes, and case and a full stop ending the domain not at
    all ("example.org." is example.org). The key only: an address is
    kept, and mail sent to it, as written. Dots count, as most services do.
    """
    import re

    from django.utils.encoding import punycode

    local, _, domain = email.strip().rpartition("@")
    if len(local) > 1 and local[0] == local[-1] == '"':
        local = re.sub(r"\\(.)", r"\1", local[1:-1], flags=re.DOTALL)
    local = local.partition("+")[0] or local  # "+tag"@ alone is a mailbox of its own
    try:
        domain = punycode(domain)
    except UnicodeError:  # not a domain mail can go to: the key need only be stable
        pass
    domain = domain.rstrip(".。．｡") or domain  # IDNA reads the last three as "."
    return "email:" + fingerprint(f"{local}@{domain}".casefold())


def acquire_inbox(limits, email, now=None):
    """For an email to `email`: use one of its inbox's allowances under limits (the
    sender's own, counted by email_key) and one of the allowance everything that emails
    it shares (INBOX_LIMITS), both or neither. As acquire(): 0 when it may go, else the
    seconds to wait; Unavailable when the limits cannot be checked."""
    now = time.time() if now is None else now
    key = email_key(email)
    wait = acquire(limits, key, now)
    if not wait:
        try:
            wait = acquire(INBOX_LIMITS, key, now)
        except Unavailable:
            give_back(limits, key, now)
            raise
        if wait:
            give_back(limits, key, now)
    return wait


@dataclass(frozen=True)
class Refused:
    """Why an action does not go ahead now: what the reader is told, 429 (a limit is
    reached; `wait` seconds until it is not) or 503 (the limits cannot be read)."""

    notice: str
    status: int
    wait: int | None = None


def check(limits, ident, too_many, unavailable=UNAVAILABLE_NOTICE):
    """Use one of ident's allowances under limits: None when the action may go ahead,
    else Refused. `too_many` is the notice for a reached limit; "{wait}" in it
    becomes how long to wait ("12 minutes"). `unavailable` is the notice when the
    limits cannot be read, or None to go ahead without them (reading, where
    refusing everyone would be worse than the abuse the limit guards against)."""
    return _refused(lambda: acquire(limits, ident), too_many, unavailable)


def check_inbox(limits, email, too_many, unavailable=UNAVAILABLE_NOTICE):
    """check() for a form that emails `email`: its own limits and the inbox's shared
    allowance (acquire_inbox)."""
    return _refused(lambda: acquire_inbox(limits, email), too_many, unavailable)


def _refused(acquiring, too_many, unavailable):
    try:
        wait = acquiring()
    except Unavailable:
        return None if unavailable is None else Refused(unavailable, 503)
    if wait:
        return Refused(too_many.format(wait=human_wait(wait)), 429, wait)
    return None


def refusal(request, template, context, refused):
    """A form page answered without going ahead, the form as the caller left it in
    context: the notice says why, with Retry-After when a limit is reached or the
    limits cannot be read."""
    response = render(request, template,
                      {**context, "notice": refused.notice, "retry_after": refused.wait},
                      status=refused.status)
    retry = refused.wait or (UNAVAILABLE_RETRY if refused.status == 503 else None)
    if retry:
        response["Retry-After"] = str(retry)
    return response


def human_wait(seconds):
    """'10 seconds', '1 minute', '12 minutes'."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
