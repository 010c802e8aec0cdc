from django.urls import path

from . import views

app_name = "pages"

urlpatterns = [
    path("about/", views.PageDetailView.as_view(), {"slug": "about"}, name="about"),
    path("standards/", views.PageDetailView.as_view(), {"slug": "standards"},
         name="standards"),
]
