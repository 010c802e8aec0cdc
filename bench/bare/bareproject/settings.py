"""The benchmark's ceiling: a minimal Django project, independent of EVA DAILY.

Django's standard middleware (as `startproject` writes it), one view, no
database. bench/bench.py serves it with the site's gunicorn command, so each
page's figure is a ratio to what Django alone can do on this machine.
"""

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
DATABASES = {}
TIME_ZONE = "UTC"
USE_TZ = True
