from django.urls import path, register_converter

from core.pagecache import public_page

from . import feeds, search, views
from .invalidation import FEED_TAGS
from .tags import TagSlugConverter

app_name = "articles"

register_converter(TagSlugConverter, "tag")

# Lists read ?page=; other pages read no query parameter (core/pagecache.py).
# Pages name what they show themselves; feeds show every story's last change.

urlpatterns = [
    path("", public_page(views.HomeView.as_view()), name="home"),
    path("articles/", public_page(views.ArticleListView.as_view(), params=("page",)), name="list"),
    path("articles/<slug:slug>/", public_page(views.ArticleDetailView.as_view()), name="detail"),
    path("sections/<slug:slug>/", public_page(views.SectionView.as_view(), params=("page",)),
         name="section"),
    path("tags/<tag:slug>/", public_page(views.TagView.as_view(), params=("page",)), name="tag"),
    path("search/", search.article_search, name="search"),
    path("feeds/latest/", public_page(feeds.LatestArticlesFeed(), tags=FEED_TAGS), name="feed"),
    path("feeds/latest/atom/", public_page(feeds.LatestArticlesAtomFeed(), tags=FEED_TAGS),
         name="feed-atom"),
    path("sections/<slug:slug>/feed/", public_page(feeds.SectionFeed(), tags=FEED_TAGS),
         name="section-feed"),
    path("sections/<slug:slug>/feed/atom/", public_page(feeds.SectionAtomFeed(), tags=FEED_TAGS),
         name="section-feed-atom"),
    path("tags/<tag:slug>/feed/", public_page(feeds.TagFeed(), tags=FEED_TAGS), name="tag-feed"),
    path("tags/<tag:slug>/feed/atom/", public_page(feeds.TagAtomFeed(), tags=FEED_TAGS),
         name="tag-feed-atom"),
]
