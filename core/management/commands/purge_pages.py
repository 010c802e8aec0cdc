"""`manage.py purge_pages`: no page kept before it is served again, here or at the edge.

For a database changed under the site rather than through it, as a restored
backup is: no save or delete says which pages show rows that are now gone
or different, so every page goes. Every page and fragment carries
core.pagecache.SITE_TAG, and one change of it is enough: the page cache
renders each page anew, and the edge caches (EDGE_PURGE_URLS) are purged by
that tag (a cache that missed the purge is sent it again by the task
worker). It is stamped as a takedown: a page merely stale would still be
served while one request renders it anew, or while the database is away,
and it may show a story the restored database does not hold. Rate limits
and sign-in lock-outs (the security cache) are left as they are.
"""

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.management.base import BaseCommand, CommandError

from core.pagecache import SITE_TAG, changed, takedown_on_record


class Command(BaseCommand):
    help = ("Make every page the page cache and the edge caches keep go (after restoring "
            "a backup, before the servers start); rate limits and sign-in lock-outs stay.")

    def handle(self, *args, **options):
        changed({SITE_TAG}, takedown=True)
        # The page cache takes an outage for an empty cache: a stamp written while it
        # cannot be reached is lost (this process ends before it could be written
        # again), and the pages kept from before would be served once it is back.
        if (not isinstance(caches["default"], DummyCache)
                and not takedown_on_record(SITE_TAG)):
            raise CommandError("The page cache (CACHE_URL) could not be reached, so no page "
                               "was purged: run purge_pages again once it answers (/healthz "
                               "says when), before the app servers start.")
        self.stdout.write("Every page the page cache kept is rendered anew on its next request.")
        urls = settings.EDGE_PURGE_URLS
        if urls:
            self.stdout.write(
                f"Sent {len(urls)} edge cache{'s' if len(urls) != 1 else ''} a purge of every "
                f"page (tag {SITE_TAG!r}); a cache that did not confirm it is named in a "
                "warning, and the task worker sends it the purge again.")
        elif settings.EDGE_CACHE_TAGS:
            self.stdout.write(f"EDGE_CACHE_TAGS is on: purge your CDN of tag {SITE_TAG!r} "
                              "through its own API.")
