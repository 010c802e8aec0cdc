"""Rate limits kept in the shared cache, so they hold across workers and machines.

Callers validate content first and acquire an allowance only for content
they accept, so refused text never uses up a reader's allowance.
"""

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    seconds: int


COMMENT_LIMITS = (Limit("comment-burst", 1, 10), Limit("comment-hourly", 20, 3600))
BIAS_REPORT_LIMITS = (Limit("bias-report-hourly", 5, 3600),)


def acquire(limits, ident, now=None):
    """Use one of ident's allowances under every limit, atomically where the cache is.

    Returns 0 when the action may go ahead, else the seconds to wait (and
    nothing is used up).
    """
    now = time.time() if now is None else now
    taken = []
    for limit in limits:
        if limit.count == 1:
            # One per period: a marker that lives `seconds` from the last use.
            key = f"ratelimit:{limit.scope}:{ident}"
            if cache.add(key, now + limit.seconds, limit.seconds):
                taken.append((key, None))
                continue
            # The marker holds another request's clock, which may be ahead of
            # ours (a later request, another machine): never more than the period.
            wait = min((cache.get(key) or now + 1) - now, limit.seconds)
        else:
            start = int(now // limit.seconds) * limit.seconds
            key = f"ratelimit:{limit.scope}:{ident}:{start}"
            cache.add(key, 0, limit.seconds + 1)
            try:
                used = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, limit.seconds + 1)
                used = 1
            if used <= limit.count:
                taken.append((key, limit))
                continue
            cache.decr(key)
            wait = start + limit.seconds - now
        _give_back(taken)
        return max(1, math.ceil(wait))
    return 0


def _give_back(taken):
    for key, limit in taken:
        if limit is None:
            cache.delete(key)
        else:
            cache.decr(key)


def client_address(request):
    """The reader's network address; the proxy's header only when one is declared."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            # The entry our proxy appended; earlier ones are the client's to forge.
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def fingerprint(value):
    """A keyed hash: lets us match an address without storing it."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def human_wait(seconds):
    """'10 seconds', '1 minute', '12 minutes'."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
