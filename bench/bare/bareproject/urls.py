from django.urls import path

from . import views

urlpatterns = [
    path("", views.page),
    path("three-queries/", views.three_queries),
]
