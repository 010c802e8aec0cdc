from django.conf import settings
from django.utils import timezone
from django.utils.functional import SimpleLazyObject


def site(request):
    """Site-wide template values: name, canonical base URL, today, sections for the nav."""
    from articles.models import Section

    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "today": timezone.localdate(),
        "nav_sections": SimpleLazyObject(lambda: list(Section.objects.all())),
    }
