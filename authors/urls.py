from django.urls import path

from articles import feeds

from . import views

app_name = "authors"

urlpatterns = [
    path("authors/", views.AuthorListView.as_view(), name="list"),
    path("authors/<slug:slug>/", views.AuthorDetailView.as_view(), name="detail"),
    path("authors/<slug:slug>/feed/", feeds.AuthorFeed(), name="feed"),
    path("authors/<slug:slug>/feed/atom/", feeds.AuthorAtomFeed(), name="feed-atom"),
]
