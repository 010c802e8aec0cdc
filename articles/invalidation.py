"""What the reading site shows, as page-cache tags, and which pages a change stales.

The tags (core/pagecache.py):

- `story-<pk>`: the story, on its page and wherever its card is shown;
  `author-<pk>` and `section-<pk>`: a byline or a section's name, shown on
  every card and story page; `tag-<pk>`: a tag's name.
- `stories-all`, `stories-section-<pk>`, `stories-author-<pk>`,
  `stories-tag-<pk>`: which stories are public in that list, and in which
  order (lists, pages after the first, "Related Articles" by shared tags).
- `sections`: the navigation, on every page; `syndication`: feeds and
  sitemaps, which show every story's last change.
- `comments-<pk>`: the story's comments block (comments/), which exists
  while the story is public: publishing or taking down the story stales it.

A story's page also names the editor who reviewed it (ai_reviewed_by): a
reviewer's rename stales the pages of the stories they reviewed.

A story's edit stales `story-<pk>` (and syndication); publishing,
unpublishing or moving it also stales the lists it joins or leaves, and
publishing it the pages of the stories whose editors picked it as related
(a page shows, and is tagged with, only the picks that are public).
"""

from django.utils import timezone
from taggit.models import TaggedItem

from core.pagecache import Change, changed, tag

from .models import Article, RelatedArticle

# Feeds and sitemaps: they go stale with every edit of a public story.
FEED_TAGS = ["syndication"]
LISTED_FIELDS = ("status", "published_at", "section_id", "author_id", "is_featured", "slug")
# What the transparency report counts a public story by, beside its lists.
REPORTED_FIELDS = ("ai_involvement",)


def card_tags(story):
    return (f"story-{story.pk}", f"author-{story.author_id}", f"section-{story.section_id}")


def tag_cards(request, stories, *scope):
    """The request's page shows these stories' cards, in the lists named by scope."""
    tag(request, *scope)
    for story in stories:
        if story is not None:
            tag(request, *card_tags(story))


def _lists(section_id, author_id, tag_ids):
    return {"stories-all", "syndication", f"stories-section-{section_id}",
            f"stories-author-{author_id}", *(f"stories-tag-{pk}" for pk in tag_ids)}


def picked_by(stories):
    """The page tags of the stories that picked any of `stories` (ids, or a query of them)
    as related: a pick not yet public is not on their pages, nor in their tags."""
    pickers = (RelatedArticle.objects.filter(to_article__in=stories)
               .values_list("from_article_id", flat=True).distinct())
    return {f"story-{pk}" for pk in pickers}


def snapshot(article):
    """The stored row's list-deciding fields, before a save changes them."""
    return Article.objects.filter(pk=article.pk).values(*LISTED_FIELDS, *REPORTED_FIELDS).first()


def article_change(article, event):
    now = timezone.now()
    if event == "deleted":
        before, was_public, public = None, article.is_published(now), False
    else:
        before = article.__dict__.pop("_pagecache_before", None)
        was_public = before is not None and Article(
            status=before["status"], published_at=before["published_at"]).is_published(now)
        public = article.is_published(now)
    tags = {f"story-{article.pk}"}
    moved = before is not None and any(before[name] != getattr(article, name)
                                       for name in LISTED_FIELDS)
    if public != was_public or (public and moved):
        tags.add(f"comments-{article.pk}")
        tag_ids = [] if event == "deleted" else list(article.tags.values_list("pk", flat=True))
        tags |= _lists(article.section_id, article.author_id, tag_ids)
        if before is not None:
            tags |= _lists(before["section_id"], before["author_id"], tag_ids)
        if public and not was_public and event != "created":  # a new story has no pickers
            tags |= picked_by([article.pk])
    elif public:
        tags.add("syndication")  # every edit is a feed item's and a sitemap's last change
    if public and before is not None and any(before[name] != getattr(article, name)
                                             for name in REPORTED_FIELDS):
        tags.add("transparency")  # its "Stories and AI" figures count the story anew
    elif _newly_scheduled(article, before, now):
        # The page cache's sweep publishes it on time, but an edge cache keeps a list
        # no longer than the next scheduled story only when it fetched the list after
        # the scheduling (core.pagecache._public_headers): the lists the story will
        # join are fetched again now, and kept only until its time.
        tag_ids = [] if event == "created" else list(article.tags.values_list("pk", flat=True))
        tags |= _lists(article.section_id, article.author_id, tag_ids)
    moved_away = before is not None and before["slug"] != article.slug
    return Change(frozenset(tags), takedown=was_public and (not public or moved_away))


def _newly_scheduled(article, before, now):
    """Whether this save sets the story to go public later, or moves that time."""
    if article.status != Article.Status.PUBLISHED or article.published_at is None \
            or article.published_at <= now:
        return False
    return before is None or (before["status"], before["published_at"]) != (
        article.status, article.published_at)


def tagging_snapshot(tagged_item):
    """The tag a stored tagging had, before a save moves it to another (taggit's merge)."""
    return TaggedItem.objects.filter(pk=tagged_item.pk).values_list("tag_id", flat=True).first()


def tagging_change(tagged_item, event):
    """A story gained or lost a tag, or one of its tags became another (a merge moves them).

    Its page and the lists of the tags it joined or left. Feeds, whose items
    name their tags, go stale with the story's own save, or with the tag's
    (the tag's admin saves the tag; a merge removes the merged tags), so a
    draft's tags change no feed.
    """
    before = None if event == "deleted" else tagged_item.__dict__.pop("_pagecache_before", None)
    tag_ids = {tagged_item.tag_id} | ({before} if before is not None else set())
    return Change(frozenset({f"story-{tagged_item.object_id}",
                             *(f"stories-tag-{pk}" for pk in tag_ids)}))


def taggings_changed(taggings, moved_to=None):
    """Stale what tagging_change would for each of taggings (a query), read in one query.

    For the tag admin's merge and deletion, which move or delete a big
    tag's taggings all at once, without their signals: one query and one
    stamp a tagging made a tag on 9,000 stories take over a minute to delete.
    moved_to: the tag they move to, whose list they join.
    """
    rows = list(taggings.values_list("object_id", "tag_id").order_by())
    if not rows:
        return
    tags = {f"story-{object_id}" for object_id, _ in rows}
    tags |= {f"stories-tag-{tag_id}" for _, tag_id in rows}
    if moved_to is not None:
        tags.add(f"stories-tag-{moved_to.pk}")
    changed(tags)


def tag_change(tag_row, event):
    return Change(frozenset({f"tag-{tag_row.pk}", f"stories-tag-{tag_row.pk}", "syndication"}),
                  takedown=event == "deleted")


def section_change(section, event):
    """A section's name is in the navigation of every page."""
    return Change(frozenset({"sections", f"section-{section.pk}",
                             f"stories-section-{section.pk}", "syndication"}),
                  takedown=event == "deleted")


def related_change(related, event):
    """An editor's pick for "Related Articles" changed on one story's page."""
    return Change(frozenset({f"story-{related.from_article_id}"}))


def next_publication(after):
    """When the first story set to publish after `after` goes public, or None."""
    return (Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=after)
            .order_by("published_at").values_list("published_at", flat=True).first())


def published_between(start, end):
    """What the stories that went public in [start, end] touch: their pages and lists, and
    the pages of the stories that picked them as related."""
    from taggit.models import TaggedItem

    went_public = Article.objects.published(end).filter(published_at__gte=start)
    stories = list(went_public.values_list("pk", "section_id", "author_id"))
    tag_ids = dict.fromkeys(pk for pk, _, _ in stories)
    # A subquery, not the ids: a whole import may go public at once, and a
    # public page's prepared queries carry at most 65,535 values (core.database).
    for object_id, tag_id in (TaggedItem.objects.filter(object_id__in=went_public.values("pk"))
                              .values_list("object_id", "tag_id")):
        tag_ids[object_id] = [*(tag_ids[object_id] or []), tag_id]
    tags = set()
    for pk, section_id, author_id in stories:
        tags |= {f"story-{pk}", f"comments-{pk}",
                 *_lists(section_id, author_id, tag_ids[pk] or [])}
    if stories:
        tags |= picked_by(went_public.values("pk"))
    return tags


def _reviewer_fields(user_model):
    """What a story's page shows of its reviewer: get_full_name() (never the username)."""
    return ("first_name", "last_name")


def _reviewer_name(user):
    return user.get_full_name()  # as article_detail.html has it


def reviewer_snapshot(sender, instance, raw=False, update_fields=None, **kwargs):
    """Before an account is saved: the name its reviews show, when the save may change it.

    A sign-in saves last_login alone (update_fields), and reads nothing here.
    """
    instance.__dict__.pop("_reviewer_before", None)
    fields = _reviewer_fields(sender)
    if raw or instance._state.adding or (update_fields is not None
                                         and not set(update_fields) & set(fields)):
        return
    instance._reviewer_before = (sender._default_manager.filter(pk=instance.pk)
                                 .values(*fields).first())


def reviewer_renamed(sender, instance, **kwargs):
    """An account was saved: if the name its reviews show changed, their stories' pages."""
    before = instance.__dict__.pop("_reviewer_before", None)
    if before is None or _reviewer_name(sender(**before)) == _reviewer_name(instance):
        return
    stories = Article.objects.filter(ai_reviewed_by=instance.pk).values_list("pk", flat=True)
    tags = {f"story-{pk}" for pk in stories}
    if tags:
        changed(tags)
