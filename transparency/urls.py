from django.urls import path

from core.pagecache import public_page

from . import views

app_name = "transparency"

# Cached whole like every public page and made stale by any saved change a
# reader could see (the apps' registrations with core/pagecache.py), comment
# decisions included. A new comment alone does not bump the site version: the
# "comments received" figures may then lag by up to PAGE_CACHE_SECONDS (10
# minutes), the lifetime of every cached page, rather than every comment
# emptying the whole cache.
urlpatterns = [
    path("transparency/", public_page(views.TransparencyReportView.as_view()), name="report"),
]
