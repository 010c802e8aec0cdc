from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponse
from django.shortcuts import render

_SHELL = b"<!DOCTYPE html>\n<html lang=\"en\">\n<title>Ceiling</title>\n<p>%s</p>\n</html>\n"
# 30 KB (30,720 bytes) of HTML, the size the README's ceiling figures were measured at.
BODY = _SHELL % (b"x" * (30 * 1024 - len(_SHELL % b"")))


def page(request):
    return HttpResponse(BODY)


def three_queries(request):
    """A plain database page: three ORM queries, a template with a loop and a few filters."""
    return render(request, "three_queries.html", {
        "permissions": Permission.objects.select_related("content_type").order_by("pk"),
        "content_types": ContentType.objects.order_by("app_label", "model"),
        "groups": Group.objects.count(),
    })
