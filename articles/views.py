from urllib.parse import unquote

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.encoding import escape_uri_path
from django.utils.functional import cached_property
from django.views import defaults
from django.views.generic import DetailView, ListView, TemplateView
from taggit.models import Tag

from authors.models import Author
from core.oldslugs import moved_slug
from core.pagecache import Shown, cached_fragment, tag
from core.pagination import StrictPageMixin

from .context_processors import keep_sections, site_sections
from .feeds import public_tags
from .invalidation import card_tags, tag_cards
from .models import Article, Section, moved_story_slug, story_by_slug

FRONT_PAGE_PER_SECTION = 4


# Apps above articles count their rows about a story inside the story's own
# query (standards: its review record), so the article page costs no extra one.
_story_annotations = []


def register_story_annotations(annotations):
    """Add annotations() -> {name: RawSQL over the story's table} to the article page's query."""
    _story_annotations.append(annotations)


class PublishedArticlesMixin(StrictPageMixin):
    """Lists of public stories, newest first."""

    context_object_name = "articles"
    list_tags = ("stories-all",)  # which list of stories the page shows (articles/invalidation.py)
    show_section = True  # each card's section label; a section's own page leaves it out

    def get_queryset(self):
        return Article.objects.published().for_listing()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(show_section=self.show_section, **kwargs)
        tag_cards(self.request, context["object_list"], *self.list_tags)
        return context


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        public = Article.objects.published()
        lead = public.filter(is_featured=True).for_listing().first()
        if lead is None:
            lead = public.for_listing().first()
        sections = site_sections(self.request)
        latest = public.latest_by_section(FRONT_PAGE_PER_SECTION + 1, sections)
        if lead is not None:
            latest = latest.exclude(pk=lead.pk)
        by_section = {}
        for article in latest:
            by_section.setdefault(article.section_id, []).append(article)
        tag_cards(self.request, [lead, *latest], "stories-all")
        context["is_home"] = True
        context["lead"] = lead
        context["section_blocks"] = [
            (section, by_section[section.pk][:FRONT_PAGE_PER_SECTION])
            for section in sections
            if section.pk in by_section
        ]
        return context


class ArticleListView(PublishedArticlesMixin, ListView):
    template_name = "articles/article_list.html"


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_object(self, queryset=None):
        # A public story is read once per site version and shared; a preview
        # is read afresh, and never kept in the cache.
        article = cached_fragment(self.request, f"article-by-slug:{self.kwargs['slug']}",
                                  self.public_story)
        self.is_preview = article is None
        if self.is_preview:
            article = self.story
            user = self.request.user
            if not (user.is_staff and user.has_perm("articles.view_article")):
                raise Http404("No public story at this address.")
        return article

    @cached_property
    def story(self):
        """The story at this address, public or not."""
        found = story_by_slug(self.kwargs["slug"], {
            name: expression for annotations in _story_annotations
            for name, expression in annotations().items()})
        if found is None:
            raise Http404("No story at this address.")
        story, self.loaded_tags, sections = found
        keep_sections(self.request, sections)  # the navigation's, read with the story
        return story

    def public_story(self):
        # Kept as None while the story is not public: publishing it stales that too.
        tag(self.request, *card_tags(self.story))
        return self.story if self.story.is_published() else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_preview"] = self.is_preview
        # A public story's blocks are rendered once per site version
        # ({% sitecache %}); a preview is rendered afresh every time.
        context["story_key"] = None if self.is_preview else self.object.pk
        # The story's blocks show the story itself, its corrections and review
        # record (standards' template tags): all stale with story-<pk>.
        context["story_tags"] = card_tags(self.object)
        # Loaded only when the blocks are rendered, not when they come from the cache.
        context["tags"] = Shown(self.request, lambda: self.tags, lambda tags: [
            name for t in tags for name in (f"tag-{t.pk}", f"stories-tag-{t.pk}")])
        context["related_articles"] = Shown(
            self.request, lambda: self.related_articles,
            lambda stories: [name for story in stories for name in card_tags(story)])
        return context

    @cached_property
    def tags(self):
        # Loaded with the story when this request read it. A story kept in the
        # cache is kept without them: a renamed tag does not stale it.
        loaded = getattr(self, "loaded_tags", None)
        return self.object.tag_list() if loaded is None else loaded

    @property
    def related_articles(self):
        return self.object.related_articles(tag_ids=[tag.pk for tag in self.tags])

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.is_preview:
            add_never_cache_headers(response)  # private among them
        return response


class SectionView(PublishedArticlesMixin, ListView):
    template_name = "articles/section_detail.html"
    show_section = False

    def get_queryset(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        self.list_tags = (f"stories-section-{self.section.pk}", f"section-{self.section.pk}")
        return super().get_queryset().filter(section=self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class TagView(PublishedArticlesMixin, ListView):
    template_name = "articles/tag_detail.html"
    allow_empty = False  # a tag with no public story is a 404: its name could leak one

    def get_queryset(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        self.list_tags = (f"stories-tag-{self.tag.pk}", f"tag-{self.tag.pk}")
        return super().get_queryset().tagged(self.tag)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


def page_not_found(request, exception):
    """handler404: the old address of a story, a section, an author or a tag leads to its
    current one; else the site's 404 page.

    Only a page that is not found looks for an old slug (moved_story_slug(),
    core.oldslugs.moved_slug()): each page's own query budget stays as it is.
    """
    moved = _moved_url(request)
    if moved is None:
        return defaults.page_not_found(request, exception)
    # A form sent to the old address is sent again, not turned into a GET (308).
    response = HttpResponsePermanentRedirect(
        moved, preserve_request=request.method not in ("GET", "HEAD"))
    # Kept by no shared cache, and by browsers only after asking again: nothing
    # purges it when a new story takes the old slug or the story is taken down.
    patch_cache_control(response, private=True, no_cache=True)
    return response


# The pages found by a slug that lead on from an old one: the route of the page at
# /<...>/<slug>/ (the pages under it, comments or feeds, lead on too) and what finds
# the current slug. Every section's and author's page is public; a tag's only while
# a public story has it (TagView), so an address in capitals or an old slug leading to
# a tag on drafts alone would tell its name.
MOVED = [("articles:detail", moved_story_slug),
         ("articles:section", lambda slug: moved_slug(Section.objects.all(), slug)),
         ("authors:detail", lambda slug: moved_slug(Author.objects.all(), slug)),
         ("articles:tag", lambda slug: moved_slug(public_tags(), slug))]


def _moved_url(request):
    """The URL under the current slug of a story's, a section's, an author's or a tag's
    page, or one under it, by an old slug (or in capitals); None for any other page not
    found."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    slug = match.kwargs.get("slug")
    if not isinstance(slug, str):
        return None
    for name, moved in MOVED:
        try:
            old = unquote(reverse(name, args=[slug]))  # as request.path is: a tag's "café"
        except NoReverseMatch:
            continue  # a tag's slug, in letters no other slug has
        if request.path.startswith(old):
            break
    else:
        return None
    current = moved(slug)
    if current is None:
        return None
    query = request.META.get("QUERY_STRING", "")
    # The rest of the path, decoded in request.path, is quoted again: an encoded
    # ? or # in it (%3F, %23) became the new address's query or fragment.
    return (reverse(name, args=[current]) + escape_uri_path(request.path[len(old):])
            + (f"?{query}" if query else ""))
