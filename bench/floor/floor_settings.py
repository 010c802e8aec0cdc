"""The site's settings with bench/floor/floor_urls.py's two pages after its own.

`make bench` runs the cold server (PAGE_CACHE_ENABLED=False) with these, so
that the cold article and its floor are served by the same workers.
"""

from evadaily.settings import *  # noqa: F403

ROOT_URLCONF = "floor_urls"
