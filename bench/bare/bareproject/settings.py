"""The benchmark's ceiling: a minimal Django project, independent of EVA DAILY.

Django's standard middleware (as `startproject` writes it) and one view that
touches no database: bench/bench.py serves it with the site's gunicorn
command, so each page's figure is a ratio to what Django alone can do on this
machine. A second view, /three-queries/, is the plain page issue 14 sets the
cold article's goal by: three ORM queries on Django's own tables in a
PostgreSQL database of its own (BARE_DATABASE, made by the bench), rendered
by a Django template.
"""

import os
from pathlib import Path

DEBUG = False
SECRET_KEY = "bench-only-secret-key"  # nothing here is signed that matters
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# The apps that the standard middleware needs; no request here touches them.
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bareproject.urls"
WSGI_APPLICATION = "bareproject.wsgi.application"
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": os.environ.get("BARE_DATABASE", ""),
    "HOST": "127.0.0.1", "PORT": "5432", "USER": "postgres",
    "CONN_MAX_AGE": 600,  # as the site's settings keep connections
}} if os.environ.get("BARE_DATABASE") else {}
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [Path(__file__).resolve().parent / "templates"],
}]
TIME_ZONE = "UTC"
USE_TZ = True
