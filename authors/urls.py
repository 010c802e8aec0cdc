from django.urls import path

from articles import feeds
from core.pagecache import public_page

from . import views

app_name = "authors"

urlpatterns = [
    path("authors/", public_page(views.AuthorListView.as_view()), name="list"),
    path("authors/<slug:slug>/", public_page(views.AuthorDetailView.as_view(), params=("page",)),
         name="detail"),
    path("authors/<slug:slug>/feed/", public_page(feeds.AuthorFeed()), name="feed"),
    path("authors/<slug:slug>/feed/atom/", public_page(feeds.AuthorAtomFeed()), name="feed-atom"),
]
