"""The bare project's gunicorn settings: gunicorn's own defaults.

The bench starts it with the same command line as the site's servers
(bench/bench.py); this file keeps it from reading the site's
gunicorn.conf.py, whose choices (its logger, its limits) are the site's to
pay for or to save, not the ceiling's.
"""
