from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from . import views

admin.site.site_header = "EVA DAILY newsroom"
admin.site.site_title = "EVA DAILY newsroom"
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
    path("", include("authors.urls")),
    # Uploaded images are served by the site itself while they are stored
    # locally, so gunicorn alone is a working deployment (DESIGN.md section 3).
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]
