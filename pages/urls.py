from django.urls import path

from core.pagecache import public_page

from . import views

app_name = "pages"

urlpatterns = [
    path("about/", public_page(views.PageDetailView.as_view(), tags=["page-about"]),
         {"slug": "about"}, name="about"),
    path("standards/", public_page(views.PageDetailView.as_view(), tags=["page-standards"]),
         {"slug": "standards"}, name="standards"),
    path("privacy/", public_page(views.PageDetailView.as_view(), tags=["page-privacy"]),
         {"slug": "privacy"}, name="privacy"),
]
