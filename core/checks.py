import ipaddress
import os
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.core import checks
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import mailers
from django.http.request import validate_host

from . import edge
from .admin import DeclaredLookupsOnly
from .security_cache import SecurityFileCache


@checks.register(checks.Tags.admin)
def admins_refuse_undeclared_lookups(app_configs, **kwargs):
    """Every registered ModelAdmin must filter only through its declared filters."""
    return [
        checks.Error(
            f"{type(model_admin).__qualname__} for {model._meta.label} does not inherit "
            "core.admin.DeclaredLookupsOnly: its list would accept lookups on any field.",
            hint="Put DeclaredLookupsOnly first among the ModelAdmin's bases.",
            obj=type(model_admin),
            id="core.E001",
        )
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, DeclaredLookupsOnly)
    ]


@checks.register()
def edge_purge_urls_are_addresses(app_configs, **kwargs):
    """Every EDGE_PURGE_URLS entry is an edge cache's http:// or https:// address."""
    return [
        checks.Error(
            f"EDGE_PURGE_URLS: {url!r} is not an edge cache's address: {problem}.",
            hint="List each cache as http://host:port/ (comma-separated), "
                 "e.g. http://10.0.0.5:6081/.",
            id="core.E002",
        )
        for url in settings.EDGE_PURGE_URLS
        if (problem := edge.url_problem(url)) is not None
    ]


@checks.register()
def mailers_can_be_made(app_configs, **kwargs):
    """Every MAILERS entry can be set up, so that no email fails for its configuration.

    Django checks a mailer's options only when an email is sent, in a task
    worker: a wrong EMAIL_URL failed each email for good, with nothing said
    at start-up. Setting one up connects to nothing.
    """
    errors = []
    for alias, config in settings.MAILERS.items():
        folder = config.get("OPTIONS", {}).get("file_path")
        if folder and not os.path.isabs(folder):
            # filemail:///var/mail is "var/mail" to django-environ, as sqlite:/// is.
            errors.append(checks.Warning(
                f"MAILERS[{alias!r}] writes email into {folder!r}, a folder relative to "
                f"wherever the process starts ({os.path.abspath(folder)} now).",
                hint="For an absolute folder, write four slashes: filemail:////var/mail/evadaily.",
                id="core.W003"))
        try:
            mailers.create_connection(alias)
        except ImproperlyConfigured as error:
            errors.append(checks.Error(
                f"MAILERS[{alias!r}] cannot send email: {error}",
                hint="Check EMAIL_URL, e.g. smtp+tls://user:password@host:587 or "
                     "filemail:////var/mail/evadaily.",
                id="core.E003"))
    return errors


# Names that are never a sending domain of one's own (RFC 2606, RFC 6761, and
# mDNS's .local), each with its subdomains: mail from them fails SPF and DMARC.
_PLACEHOLDER_SUFFIXES = (".localhost", ".local", ".invalid", ".test", ".example",
                         ".example.com", ".example.org", ".example.net")


def placeholder_domain(address):
    """The domain of address ("Name <user@domain>") if it is no real sender's, else None.

    An address with no domain gives "".
    """
    _, at, domain = parseaddr(address)[1].rpartition("@")
    domain = domain.lower().rstrip(".") if at else ""
    if not domain or f".{domain}".endswith(_PLACEHOLDER_SUFFIXES):
        return domain
    return None


@checks.register(checks.Tags.security, deploy=True)
def sender_is_a_real_domain(app_configs, **kwargs):
    """In production, email goes out from an address of a domain the site may send for.

    A deploy check only: `make check` runs with DEBUG off on the default
    address, as development does, and no mail leaves the machine there.
    """
    if settings.DEBUG:
        return []
    # SERVER_EMAIL follows DEFAULT_FROM_EMAIL (evadaily/settings.py).
    domain = placeholder_domain(settings.DEFAULT_FROM_EMAIL)
    if domain is None:
        return []
    sender = f"the domain {domain!r}" if domain else "an address with no domain"
    return [checks.Warning(
        f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL!r}: password resets, "
        f"confirmations and the daily edition would go out from {sender}, which is no "
        "real sender's: mail servers refuse or bin such mail (SPF, DMARC).",
        hint="Set the DEFAULT_FROM_EMAIL environment variable to an address at the site's "
             "own domain, one its mail server may send for: \"EVA DAILY "
             "<newsroom@your-domain>\".",
        id="core.W004")]


@checks.register(checks.Tags.security, deploy=True)
def site_url_is_the_sites_address(app_configs, **kwargs):
    """In production, SITE_URL is the address readers reach the site at.

    Every absolute link is made from it: password resets, the daily edition,
    canonical tags, feeds and sitemaps. The default (http://127.0.0.1:8000)
    passed `check --deploy` and sent readers to their own machine.
    """
    if settings.DEBUG:
        return []
    url = urlsplit(settings.SITE_URL)
    host = url.hostname or ""
    hint = ("Set the SITE_URL environment variable to the address readers use, "
            "e.g. https://news.example.org.")
    warnings = []
    if host == "localhost" or host.endswith(".localhost") or _is_loopback(host):
        warnings.append(checks.Warning(
            f"SITE_URL is {settings.SITE_URL!r}, this machine's own address: links in emails, "
            "feeds, sitemaps and canonical tags would lead readers to their own machine.",
            hint=hint, id="core.W005"))
    if settings.HTTPS and url.scheme == "http":
        warnings.append(checks.Warning(
            f"SITE_URL is {settings.SITE_URL!r}, an http:// address, while HTTPS is on: every "
            "link made from it takes a redirect, and feeds and sitemaps name the wrong address.",
            hint=hint.replace("e.g. ", "with https://, e.g. "), id="core.W006"))
    if not validate_host(f"[{host}]" if ":" in host else host, settings.ALLOWED_HOSTS):
        warnings.append(checks.Warning(
            f"SITE_URL's host {host!r} is not in ALLOWED_HOSTS: the site would answer 400 to "
            "every link made from it.",
            hint="Add the host to ALLOWED_HOSTS, or set SITE_URL to an address on an allowed "
                 "host.", id="core.W007"))
    return warnings


def _is_loopback(host):
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@checks.register()
def security_cache_folder_can_be_made(app_configs, **kwargs):
    """The security cache's folder (rate limits, lock-outs) can be made, when it is a folder.

    While it cannot, sign-in, sign-up and posting answer 503: they wait for
    limits that cannot be checked. The cache says so only when it is used.
    """
    store = caches["security"]
    problem = store.folder_problem() if isinstance(store, SecurityFileCache) else None
    if problem is None:
        return []
    return [checks.Warning(
        f"The security cache's folder cannot be made: {problem}. Until it can, signing in, "
        "signing up and posting answer 503.",
        hint="Set SECURITY_CACHE_URL (or CACHE_URL, beside which it lies) to a folder the "
             "site may write, e.g. filecache:///var/cache/evadaily-security.",
        id="core.W008")]


# What the admin's own checks ask of Django's template backend (admin.E402, E404, W411).
# They run only for an instance of Django's backend class, so with TEMPLATE_ENGINE=native
# (whose admin.E403 the settings silence) they are asked here of the native one.
_ADMIN_CONTEXT_PROCESSORS = (
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "django.template.context_processors.request",
)


@checks.register(checks.Tags.admin, checks.Tags.templates)
def native_templates_serve_the_admin(app_configs, **kwargs):
    """With TEMPLATE_ENGINE=native, the admin's pages get the context they need."""
    if settings.TEMPLATE_ENGINE != "native":
        return []
    processors = settings.TEMPLATES[0].get("OPTIONS", {}).get("context_processors", ())
    return [
        checks.Error(
            f"TEMPLATES: the admin's pages need the context processor {processor!r}.",
            hint="Add it to TEMPLATES[0]['OPTIONS']['context_processors'].",
            id="core.E004")
        for processor in _ADMIN_CONTEXT_PROCESSORS if processor not in processors
    ]
