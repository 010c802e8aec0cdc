from functools import partial

from django.conf import settings
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from core.pagecache import cached_fragment, tag

from .models import sections_in_order


def _sections(request):
    tag(request, "sections")
    return sections_in_order()


def site_sections(request):
    """Every section in order, read once per request and kept until one changes."""
    if not hasattr(request, "site_sections"):
        request.site_sections = cached_fragment(request, "sections", partial(_sections, request))
    # Each page and fragment that shows them (the navigation) goes stale with them.
    tag(request, "sections")
    return request.site_sections


def keep_sections(request, sections):
    """Every section in order, read by the view in its own query: site_sections() needs no other.

    None (not read) changes nothing.
    """
    if sections is not None and not hasattr(request, "site_sections"):
        request.site_sections = sections


def _nav_links(request):
    return cached_fragment(request, "nav-links", lambda: [
        (section.get_absolute_url(), section.name) for section in site_sections(request)])


def site(request):
    """Site-wide template values: name, canonical base URL, today, sections for the nav."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "today": timezone.localdate(),
        "nav_sections": SimpleLazyObject(lambda: site_sections(request)),
        # (address, name) of each section, for the navigation bar.
        "nav_links": SimpleLazyObject(lambda: _nav_links(request)),
    }
