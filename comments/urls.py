from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.comment_list, name="list"),
    path("comments/<int:pk>/report/", views.report_comment, name="report"),
]
