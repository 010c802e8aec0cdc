"""Who else has a newsroom form open: the "also open" notice of a change form.

A change form with the edit-conflict check (core.admin.EditConflictMixin)
marks its editor as having the object open when it is shown, and again each
time its page asks (static/js/editing_now.js, every PING_SECONDS while it is
open). An editor counts as having it open until OPEN_SECONDS pass without a
word from their page, or their page says it is leaving.

Kept in the default cache, one key per object and account, so that two
editors never write the same key: what one form writes cannot undo what
another wrote at the same moment. The cache is a copy of nothing: while it is
away (core.redis_cache) nobody shows as having anything open, and the saves
are still checked against each other as before.
"""

import re
import time

from django.contrib.auth import get_user_model
from django.core.cache import cache

# How often an open form tells the site it is still open (static/js/editing_now.js).
PING_SECONDS = 20
# A form not heard from for so long is closed: its page was shut, its computer slept.
# More than PING_SECONDS allows for the minute that browsers wait between the pings
# of a tab left in the background.
OPEN_SECONDS = 90
# A page's own id (static/js/editing_now.js makes it of 0-9 and a-z): part of a cache key.
PAGE_ID = re.compile(r"[0-9A-Za-z_-]{1,40}")


def _key(opts, pk, user_pk):
    return f"editing-now:{opts.label_lower}:{pk}:{user_pk}"


def _left_key(key, page):
    """The key that says the page page, of the form kept under key, has left."""
    return f"{key}:left:{page}"


def mark_open(opts, pk, user, changed=False, page=""):
    """Record that user has the form of opts' object pk open now, changed since it was
    shown or not; since when, if it was open already. page: the asking page's own id
    (static/js/editing_now.js), whose question is ignored once that page has left."""
    key, now = _key(opts, pk, user.pk), time.time()
    left = _left_key(key, page) if page else None
    kept = cache.get_many([key, left] if left else [key])
    if left in kept:
        # Asked before the page left, and answered after it: under load a tab's last
        # question reached the site after its leaving, and listed it open 90 seconds more.
        return
    # An entry from before a deploy may have no "since" (one saying which page left).
    since = kept[key].get("since", now) if isinstance(kept.get(key), dict) else now
    cache.set(key, {"since": since, "seen": now, "changed": changed, "page": page},
              OPEN_SECONDS)


def mark_closed(opts, pk, user, page=""):
    """Record that user's form of opts' object pk is closed; by page (its id), which
    mark_open then no longer hears from.

    The page's leaving is kept apart from what its questions write: a question answered
    at the same moment by another worker may write the form open after this, and
    others_open still counts it closed."""
    key = _key(opts, pk, user.pk)
    if page:
        cache.set(_left_key(key, page), True, OPEN_SECONDS)
    cache.delete(key)


def others_open(opts, pk, user):
    """[(the account, since when: a Unix time, whether their form was changed)] of everyone
    else with the form of opts' object pk open, longest open first: active staff accounts
    heard from within OPEN_SECONDS."""
    accounts = {account.pk: account for account in get_user_model().objects.filter(
        is_staff=True, is_active=True).exclude(pk=user.pk)}
    keys = {_key(opts, pk, account_pk): account_pk for account_pk in accounts}
    oldest = time.time() - OPEN_SECONDS
    heard = {key: kept for key, kept in cache.get_many(list(keys)).items()
             if isinstance(kept, dict) and kept.get("seen", 0) > oldest}
    pages = {key: _left_key(key, kept["page"]) for key, kept in heard.items()
             if kept.get("page")}
    left = cache.get_many(list(pages.values())) if pages else {}
    found = [(accounts[keys[key]], kept["since"], kept.get("changed", False))
             for key, kept in heard.items() if pages.get(key) not in left]
    return sorted(found, key=lambda entry: entry[1])
