"""The bare project's WSGI application; bench/bench.py serves it with `--pythonpath bench/bare`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bareproject.settings")

application = get_wsgi_application()
