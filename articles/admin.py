"""The newsroom: editors write, schedule, revise and correct stories here."""

import functools
import json
import re
from contextlib import contextmanager

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AdminFileWidget, AdminRadioSelect
from django.contrib.contenttypes.models import ContentType
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.models import DELETION, LogEntry
from django.core.exceptions import (NON_FIELD_ERRORS, FieldDoesNotExist,
                                    PermissionDenied, ValidationError)
from django.db import connections, models, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.deletion import get_candidate_relations_to_delete
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.forms import BaseInlineFormSet, Script
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import to_historic
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.forms import TagWidget
from taggit.models import Tag, TaggedItem
from taggit.utils import edit_string_for_tags

from core import pagecache
from core.admin import (CheckedAutocompleteSelect, ChoosesForAList, ChosenOnlyFilter,
                        ConditionFilter, DeclaredLookupsOnly, EditConflictMixin, OldAddressesMixin,
                        ReadOnlyRevisionsMixin, StaffUserChoiceField, ask_for_chosen_files,
                        lower_case_slug, with_next_older)
from core.images import HERO_MIN_SIZE, CheckedImageField, original_only, thumbnail
from core.oldslugs import keep_old_slugs
from core.pagination import KeysFirstPaginator, LookAheadPaginator
from core.queries import count_of
from core.revisions import ComparedRevisionsMixin, local_time, require_numbers
from core.rowlocks import claimed_alone, still_there
from core.storage_errors import StorageErrorsMixin
from core.text import (caseless, name_key, render_markdown, strip_control_characters,
                       strip_stray_bidi)

from .forms import OneTimeError
from .importer import in_any_case
from .invalidation import taggings_changed
from .models import (CARD_DEFERRED, Article, OldTagSlug, RelatedArticle, Section,
                     old_address_error, record_time,
                     draft_story, public_story, reading_stats, reviewing_editors,
                     scheduled_story)
from .search import beginning_with, clean_query, matching
from .tags import (ADDRESS_TAKEN, address_clashes, check_tag_name, claim_tags, kept_or_gone,
                   lookalike, on_site, parse_tags)

# Fields shown when two revisions are compared, in the order of the form.
REVISION_FIELDS = [
    "headline", "slug", "dek", "body", "section", "author", "status", "published_at",
    "is_featured", "image", "image_alt", "image_caption", "image_credit_source",
    "image_credit_photographer", "image_is_ai_generated", "image_is_illustration",
    "ai_involvement", "ai_reviewed_by", "ai_reviewed_at",
]
# Long text is shown once, with the words taken out and put in marked.
LONG_TEXT_FIELDS = {"dek", "body"}


def _suggesting(request):
    """Whether request asks for a story field's suggestions as it is typed."""
    match = request.resolver_match
    return bool(match and match.url_name == "autocomplete")


def _among(queryset, stories):
    """The stories of queryset that are among `stories`, found by their ids.

    For a filter PostgreSQL guesses far more stories pass than do (a rare word,
    the drafts): asked of the story table alone, the date links' MIN() and
    MAX() of the list's dates walked every story newest first
    (article_newest_idx) testing each one, 0.4 s at 100,000 stories.
    """
    return queryset.filter(pk__in=stories.order_by().values("pk"))


def _stats_text(words, minutes):
    return f"{words} word{'' if words == 1 else 's'} · {minutes} min read"


def _searched_once(stories):
    """stories, a search's matches, read once where the search reads each story's text.

    The list asks for its count, its page and its date links' range and years:
    on SQLite, where the search runs Python's re over every story's text, each
    asked it again, 6.5 s for "harbour" and 14 s for "port city" at 20,000
    stories. There the matches' ids are taken once and passed as one JSON value
    (a list of them as parameters runs past SQLite's limit on a common word).
    PostgreSQL reads its search index each time, in milliseconds.
    """
    if connections[stories.db].vendor == "postgresql":
        return stories
    ids = json.dumps(list(stories.order_by().values_list("pk", flat=True)))
    return Article.objects.filter(pk__in=RawSQL("SELECT value FROM json_each(%s)", [ids]))


class StoryBodyWidget(forms.Textarea):
    """The body, with its word count and read time as the site counts them, and a preview.

    Without JavaScript the Preview button posts the form to the preview page
    in a new tab, so the form keeps what was typed; story_admin.js instead
    shows the preview under the body and keeps the count current as one types.
    """

    def __init__(self, attrs=None):
        super().__init__({"rows": 28, **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        textarea = super().render(name, value, attrs, renderer)
        words, minutes = reading_stats(render_markdown(value))
        field_id = (attrs or {}).get("id") or f"id_{name}"
        return format_html(
            '{textarea}<div class="story-body-tools">'
            '<p class="story-stats" id="{id}_stats" data-story-stats="{id}" '
            'data-preview-url="{url}">{stats}</p>'
            '<button type="submit" class="button story-preview-button" formaction="{url}" '
            'formtarget="_blank" formmethod="post" formnovalidate name="_preview" '
            'aria-controls="{id}_preview" data-story-preview="{id}">Preview</button></div>'
            '<section class="story-preview" id="{id}_preview" hidden aria-label="Preview of '
            'the body"></section>',
            textarea=textarea, id=field_id, url=reverse("admin:articles_article_preview"),
            stats=_stats_text(words, minutes),
        )


NOT_YET = ("This time is still to come, so the story would be scheduled, not published. "
           "Choose Scheduled, or clear the time to publish now.")
PASSED = "This time has passed. Choose Published, or give a time still to come."
NEEDS_TIME = "A scheduled story needs the time it becomes public."


class ArticleAdminForm(OneTimeError, forms.ModelForm):
    # One control for where the story stands; the model keeps draft or
    # published, and the time tells published from scheduled.
    status = forms.ChoiceField(
        label="State", choices=Article.State.choices,
        widget=AdminRadioSelect(attrs={"class": "radiolist inline"}),
        initial=Article.State.DRAFT,
        help_text="Draft: not public. Scheduled: public by itself at the publication time. "
                  "Published: public now (with no time given, from now).",
    )

    class Meta:
        model = Article
        fields = "__all__"
        widgets = {
            # A box that grows with the headline: an input cuts a long one.
            "headline": forms.Textarea(attrs={"rows": 1, "maxlength": 200}),
            "dek": forms.Textarea(attrs={"rows": 3}),
            "body": StoryBodyWidget,
            "tags": TagWidget(attrs={"data-tag-suggestions": reverse_lazy("admin:autocomplete")}),
        }
        labels = {"published_at": "Publication time"}
        help_texts = {"tags": "Separate tags with commas; a tag of several words can be "
                              "typed as it is, or in quotes. New tags are created."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reviewer = self.fields.get("ai_reviewed_by")
        if reviewer is not None and self.instance.ai_reviewed_by_id is not None:
            # The reviewer on record stays a choice, even one who has since lost the right.
            reviewer.queryset = reviewer.queryset.model.objects.filter(
                Q(pk__in=reviewing_editors().values("pk"))
                | Q(pk=self.instance.ai_reviewed_by_id)).order_by("username")
        if self.instance.pk is not None:
            self.initial["status"] = self.instance.state
        revision = to_historic(self.instance)
        if revision is not None and "tags" in self.fields:
            # Restoring a revision restores its tags too.
            self.initial["tags"] = [Tag(name=name) for name in parse_tags(revision.tag_names)]

    def clean_tags(self):
        names = self.cleaned_data["tags"]
        # The tags field takes any length; PostgreSQL refused a longer name (a 500).
        limit = Tag._meta.get_field("name").max_length
        for name in names:
            if len(name) > limit:
                raise ValidationError(
                    "A tag can be at most %(limit)d characters; “%(start)s” has %(length)d.",
                    params={"limit": limit, "start": Truncator(name).chars(40),
                            "length": len(name)}, code="tag_too_long")
        # A tag typed in another case is the tag already on the site, not a new one.
        names, self.tags_found = on_site(names)
        return names

    def clean_headline(self):
        # The headline's box wraps; the headline itself stays one line.
        return " ".join(self.cleaned_data["headline"].split())

    def clean_slug(self):
        # "IMP-CASE" beside "imp-case" would be two addresses readers cannot
        # tell apart. Slugs are ASCII (SlugField), which iexact folds everywhere.
        slug = self.cleaned_data["slug"]
        claimed_alone(Article, "slug", slug)  # another story being saved with it is seen
        existing = (Article.objects.exclude(pk=self.instance.pk).filter(slug__iexact=slug)
                    .only("headline", "slug").first())
        if existing is not None:
            raise ValidationError(
                "The story “%(headline)s” has the slug “%(slug)s”: two stories’ slugs must "
                "differ in more than capitals. Choose another slug.",
                code="slug_lookalike", params={"headline": existing.headline,
                                               "slug": existing.slug})
        # Another story's old address: its old links would end here (Article.clean too).
        if old_address := old_address_error(slug, self.instance.pk):
            raise old_address
        # A story at /articles/Slug-Caps/ was not found at /articles/slug-caps/.
        return lower_case_slug(self)

    def clean(self):
        cleaned_data = super().clean()
        for name in ("section", "author"):
            chosen = cleaned_data.get(name)
            if chosen is not None and not still_there(chosen):
                self.add_error(name, f"This {name} was deleted while the story was being "
                                     f"saved. Choose another; nothing else was lost.")
        state = cleaned_data.get("status")
        if state is None:
            return cleaned_data
        moment, now = cleaned_data.get("published_at"), timezone.now()
        if state == Article.State.DRAFT:
            cleaned_data["status"] = Article.Status.DRAFT
            return cleaned_data
        cleaned_data["status"] = Article.Status.PUBLISHED
        if state == Article.State.PUBLISHED:
            if moment is None and "published_at" not in self.errors:
                # Whole seconds, as the form keeps a time: the next save would
                # otherwise show the microseconds' loss as a change in its history.
                cleaned_data["published_at"] = now.replace(microsecond=0)
            elif moment is not None and moment > now:
                self.add_error("published_at", NOT_YET)
        elif moment is None:
            if "published_at" not in self.errors:
                self.add_error("published_at", NEEDS_TIME)
        elif moment <= now and not self._time_passed_while_scheduled():
            self.add_error("published_at", PASSED)
        return cleaned_data

    def _post_clean(self):
        super()._post_clean()
        # After clean(), where a change form holds its story's row (EditConflictMixin): a tag
        # deletion or merge holds the stories carrying the tag, then the tag.
        if not self.errors:
            problems, renamed = kept_or_gone(getattr(self, "tags_found", []))
            for problem in problems:
                self.add_error("tags", problem)
            if renamed and not problems:  # the tags are written by name
                self.cleaned_data["tags"] = [renamed.get(name, name)
                                             for name in self.cleaned_data["tags"]]

    def _time_passed_while_scheduled(self):
        """Whether this is the stored schedule, whose time came while the form was open."""
        return (self.instance.pk is not None and self.instance.status == Article.Status.PUBLISHED
                and "published_at" not in self.changed_data)


class StateFilter(ConditionFilter):
    title = "state"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Article.State.choices

    def conditions(self):
        now = timezone.now()
        return {Article.State.DRAFT: draft_story(),
                Article.State.SCHEDULED: scheduled_story(now),
                Article.State.PUBLISHED: public_story(now=now)}

    def queryset(self, request, queryset):
        if self.value() == Article.State.DRAFT:
            return _among(queryset, Article.objects.drafts())
        return super().queryset(request, queryset)


class AuthorKindFilter(ConditionFilter):
    title = "AI or human author"
    parameter_name = "author_kind"

    def lookups(self, request, model_admin):
        return [("ai", "AI persona"), ("human", "Human")]

    def conditions(self):
        return {"ai": Q(author__is_ai=True), "human": Q(author__is_ai=False)}


class StoryChangeList(ChangeList):
    """The story list reads no story's text: a page of them, body and HTML, was 1 MB."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer(*CARD_DEFERRED)


class TagFilter(ChosenOnlyFilter):
    """One tag's stories, by its slug: listed only while it is chosen, with a link to the tag
    list to choose one, whose rows link to their stories (ChosenOnlyFilter)."""

    title = "tag"
    parameter_name = "tag"
    choose_from = Tag

    def named(self, value):
        return Tag.objects.filter(slug=value).values_list("name", flat=True).first() or value

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tags__slug=self.value())
        return queryset

    def get_facet_queryset(self, changelist):
        """ "Show counts": the chosen tag's stories in the list as filtered, {"0__c": count}.

        Django counts a choice as `id IN (its stories)` through taggit's join,
        which compares ids through a cast no index serves (13 s for 534 tags at
        100,000 stories). The filtered stories' taggings are counted instead.
        """
        stories = changelist.get_queryset(self.request,
                                          exclude_parameters=self.expected_parameters())
        counts = dict(TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Article),
            object_id__in=stories.order_by().values("pk"),
            tag__slug__in=[slug for slug, _ in self.lookup_choices],
        ).order_by().values_list("tag__slug").annotate(Count("pk")))
        return {f"{number}__c": counts.get(slug, 0)
                for number, (slug, _) in enumerate(self.lookup_choices)}


# django-taggit registers its own admin for tags; this one adds the lookup rule.
admin.site.unregister(Tag)


class MergeTagsForm(forms.Form):
    """The name to merge the tags into; the tags themselves are the page's (hidden inputs).

    gone, left: how many of the tags the page was sent with no longer exist, and still do.
    """

    into = forms.CharField(
        label="Merge them into", max_length=Tag._meta.get_field("name").max_length,
        help_text="A new tag's name, or a tag on the site in any case (“ports” is “Ports”).")

    def __init__(self, *args, gone=0, left=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.gone, self.left = gone, left

    def clean_into(self):
        name = " ".join(strip_stray_bidi(
            strip_control_characters(self.cleaned_data["into"])).split())
        check_tag_name(name)
        # A new tag at another's address ("U.S." by "US") was made at /tags/us_1/.
        if lookalike(name) is None:
            _refuse_clashes(name)
        return name

    def clean(self):
        if self.gone:
            # The editor chose them together: merging only the rest is not what they asked.
            raise ValidationError(
                ("A tag you chose was deleted after you chose it, so nothing was merged. "
                 if self.gone == 1 else
                 f"{self.gone} of the tags you chose were deleted after you chose them, so "
                 "nothing was merged. ")
                + ("The tag left is listed above: merge it" if self.left == 1 else
                   "The tags left are listed above: merge them")
                + ", or choose again in the tag list.", code="tags_gone")
        return super().clean()


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug"]

    def clean_name(self):
        # "trade" beside "Trade" would be a second page for one subject.
        name = strip_stray_bidi(strip_control_characters(self.cleaned_data["name"])).strip()
        check_tag_name(name)
        # A tag being made meanwhile (here, in a story's tags, by the import) is seen.
        claimed_alone(Tag, "name", name_key(name))
        existing = lookalike(name, exclude_pk=self.instance.pk)
        if existing is not None:
            remedy = ("To make the two one tag, choose both in the tag list, then “Merge "
                      "selected tags”." if self.instance.pk else "Use that tag instead.")
            raise ValidationError(
                "There is already a tag “%(existing)s”: in another case, a name is the same "
                "tag to readers. %(remedy)s",
                code="lookalike", params={"existing": existing.name, "remedy": remedy})
        return name

    def clean_slug(self):
        # The tag's page is found by its slug as spelled: a tag with the slug
        # "Storms" was not at /tags/storms/, and "WEATHER" beside "weather" would
        # be two addresses readers cannot tell apart. Tags' slugs may be in any script (taggit's
        # slugify), so they are compared caselessly here, not by iexact.
        slug = lower_case_slug(self)
        if "slug" not in self.changed_data:  # as stored: left as it is, as lower_case_slug does
            return slug
        claimed_alone(Tag, "slug", slug)  # a tag being made meanwhile with it is seen
        key = caseless(slug)
        others = Tag.objects.exclude(pk=self.instance.pk).filter(
            Q(slug__iexact=slug) | Q(slug__regex=r"[^\x01-\x7f]")).only("name", "slug")
        existing = next((tag for tag in others if caseless(tag.slug) == key), None)
        if existing is not None:
            raise ValidationError(
                "The tag “%(name)s” has the slug “%(slug)s”: two tags’ slugs must differ in "
                "more than capitals. Choose another slug.",
                code="slug_lookalike", params={"name": existing.name, "slug": existing.slug})
        return slug


@admin.register(Tag)
class TagAdmin(ChoosesForAList, DeclaredLookupsOnly, EditConflictMixin, TaggitTagAdmin):
    """taggit's admin, with a merge of our own.

    taggit's merge asked only for a staff account (a moderator, who may only
    view tags, could retag every story); made the new tag before it read the
    chosen ones (a 500, and the tag left, when none were chosen); took the
    tag off every story when the tags were merged into one of themselves;
    made "ports" beside "Ports"; and kept the tags chosen in the session,
    so that a merge page opened in one tab merged the tags chosen last in
    another. This one needs the permissions a merge uses, carries the tags
    chosen in its page, matches the name in any case as the story form does,
    and moves the stories and removes the merged tags in one transaction.
    """

    form = TagAdminForm
    merge_template = "admin/taggit/tag/merge_tags.html"
    # taggit's inline made each of a tag's taggings a form of its own: a tag on
    # 28,000 stories never finished loading (two queries a tagging), and one on
    # more than about 250 could not be saved (Django refuses a POST of more
    # than DATA_UPLOAD_MAX_NUMBER_FIELDS). The page counts the stories and
    # links to them in the story list instead.
    inlines = []
    # Where the story list's tag filter sends an editor to choose a tag (TagFilter).
    list_display = ["name", "slug"]  # and "Its stories" (get_list_display)

    def get_readonly_fields(self, request, obj=None):
        return ["stories"] if obj else []

    @admin.display(description="stories")
    def stories(self, tag):
        count = Article.objects.filter(tags=tag).count()
        return format_html('<a href="{}?{}">{} {}</a>',
                           reverse("admin:articles_article_changelist"),
                           urlencode({TagFilter.parameter_name: tag.slug}), count,
                           "story" if count == 1 else "stories")

    def get_list_display(self, request):
        # "Its stories" keeps the story list's filters this list was opened with.
        @admin.display(description="stories")
        def story_list(tag):
            return format_html('<a href="{}">Its stories</a>', self.list_with_choice(
                request, reverse("admin:articles_article_changelist"),
                TagFilter.parameter_name, tag.slug))

        return [*super().get_list_display(request), story_list]

    def save_model(self, request, tag, form, change):
        left = (Tag.objects.filter(pk=tag.pk).values_list("slug", flat=True).first()
                if change and "slug" in form.changed_data else None)
        super().save_model(request, tag, form, change)
        if left is not None and left != tag.slug:
            keep_old_slugs(OldTagSlug, tag, [left])  # its old address leads to it
        if change and "name" in form.changed_data:
            _refresh_revision_tags(_story_ids([tag]))

    def get_deleted_objects(self, objs, request):
        if request.method == "POST" and transaction.get_connection().in_atomic_block:
            # Before the tags are locked for deletion (core.admin), as a story's save holds
            # its row, then its tags (articles.tags.kept_or_gone): the other way round,
            # each waited for the other, a deadlock.
            _lock_stories(_story_ids(list(objs)))
        return super().get_deleted_objects(objs, request)

    def delete_model(self, request, tag):
        _delete_tags([tag])

    def delete_queryset(self, request, queryset):
        _delete_tags(list(queryset))

    @admin.action(description="Merge selected tags", permissions=["add", "change", "delete"])
    def render_tag_form(self, request, queryset):
        # The page carries the tags it merges: kept in the session, they were the
        # ones chosen last in any tab when an earlier tab's page was sent.
        return self._merge_page(request, _with_story_counts(queryset), MergeTagsForm())

    def merge_tags_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)
                and self.has_delete_permission(request)):
            raise PermissionDenied
        chosen = _tag_ids(request.POST.getlist("tags")) if request.method == "POST" else []
        tags = _with_story_counts(Tag.objects.filter(pk__in=chosen))
        if not tags:
            self.message_user(
                request, "The tags you chose were deleted after you chose them, so nothing was "
                "merged." if chosen else "Choose the tags to merge in the list, then the "
                "action “Merge selected tags”.", messages.WARNING)
            return redirect(self._tag_list_url(request))
        form = MergeTagsForm(request.POST, gone=len(chosen) - len(tags), left=len(tags))
        try:
            into = form.is_valid() and _merge_tags(
                tags, form.cleaned_data["into"], log=functools.partial(self._log_merge, request))
        except ValidationError as error:  # a tag made meanwhile took its address
            form.add_error("into", error)
            into = None
        if into:
            merged = [tag.name for tag in tags if tag.pk != into.pk]
            if merged:
                self.message_user(request, f"Merged {_names(merged)} into “{into.name}”: "
                                  f"{TaggedItem.objects.filter(tag=into).count()} tagged with "
                                  "it.", messages.SUCCESS)
            else:
                self.message_user(request, f"Nothing to merge: “{into.name}” was the only tag "
                                  "chosen.", messages.WARNING)
            return redirect(self._tag_list_url(request))
        return self._merge_page(request, tags, form)

    def _log_merge(self, request, into, made, merged):
        """The merge in the admin's record, as a deletion would be: each tag merged away as
        deleted, and the tag kept (or made) as changed (or added), saying what went into it.
        Without it a merge, which deletes tags and retags stories, left no word of who did it.
        """
        LogEntry.objects.log_actions(request.user.pk, merged, DELETION,
                                     change_message=f"Merged into “{into.name}”.")
        message = f"Merged {_names([tag.name for tag in merged])} into it."
        (self.log_addition if made else self.log_change)(request, into, message)

    def _merge_page(self, request, tags, form):
        """The tags to merge, listed and carried in the form, and the name to merge them into."""
        context = {**self.admin_site.each_context(request), "title": "Merge tags",
                   "opts": self.model._meta, "tags": tags, "form": form,
                   "merge_url": self._carrying(request, reverse("admin:taggit_tag_merge_tags")),
                   "tag_list_url": self._tag_list_url(request)}
        return TemplateResponse(request, self.merge_template, context,
                                status=400 if form.errors else 200)


    def _tag_list_url(self, request):
        """The tag list as the merge was chosen from it: searched, paged, and carrying the
        story list it was opened from (ChoosesForAList). It was the tag list alone."""
        return self._carrying(request, reverse("admin:taggit_tag_changelist"))

    def _carrying(self, request, url):
        """url with the tag list's query kept, as Django's change form keeps it."""
        return add_preserved_filters({"preserved_filters": self.get_preserved_filters(request),
                                      "opts": self.model._meta}, url)


def _tag_ids(values):
    """The values that are a tag's id, each once: a page's hidden inputs may come back as
    anything, and SQLite cannot even compare an id with a number beyond 64 bits."""
    field = Tag._meta.pk
    ids = []
    for value in values:
        if not (value.isascii() and value.isdigit()):
            continue
        try:
            field.run_validators(field.to_python(value))
        except ValidationError:
            continue
        ids.append(int(value))
    return list(dict.fromkeys(ids))


def _with_story_counts(tags):
    """tags (a query) by name, each with how many stories it is on (`stories`)."""
    return list(tags.annotate(stories=Count("taggit_taggeditem_items")).order_by("name"))


def _merge_tags(tags, name, log=None):
    """Move every tagging of tags to the tag named name (made if need be); remove the others.

    The taggings are moved and deleted all at once, their pages staled in
    one stamp: saved one by one, with a query and a stamp each, tags on
    2,264 stories took 16 s and 8,761 queries to merge. log(into, made,
    merged), if given, records the merge in the same transaction.
    """
    with transaction.atomic(), pagecache.changes_gathered():
        # A tag of that name being made meanwhile is merged into. Claimed before the
        # stories are locked, as a story's save claims its new tags before its row.
        claim_tags([name])
        into = lookalike(name)
        made = into is None
        if made:
            # And a tag given its address meanwhile is seen (the form's check had read only
            # what was committed): taggit had made this one at /tags/us_1/.
            _refuse_clashes(name)
            into = Tag.objects.create(name=name)
        merged = [tag for tag in tags if tag.pk != into.pk]
        if not merged:
            return into
        taggings = TaggedItem.objects.filter(tag__in=merged)
        stories = _lock_stories_then_tags(merged)
        taggings_changed(taggings, moved_to=into)
        # A story keeps one tagging: the one merged into if it had it, else its first.
        same_story = TaggedItem.objects.filter(content_type=OuterRef("content_type"),
                                               object_id=OuterRef("object_id"))
        _delete_without_signals(taggings.filter(
            Exists(same_story.filter(tag=into))
            | Exists(same_story.filter(tag__in=merged, pk__lt=OuterRef("pk")))))
        taggings.update(tag=into)
        # The merged tags' addresses, and those they had before, lead to the tag now.
        OldTagSlug.objects.filter(owner__in=merged).update(owner=into)
        keep_old_slugs(OldTagSlug, into, [tag.slug for tag in merged])
        Tag.objects.filter(pk__in=[tag.pk for tag in merged]).delete()
        _refresh_revision_tags(stories)
        if log is not None:
            log(into, made, merged)
    return into


def _refuse_clashes(name):
    """Refuse name, a tag to be made, if another tag has its slug (MergeTagsForm.clean_into)."""
    clashes = address_clashes([name])
    if clashes:
        _, other, slug, _ = clashes[0]
        raise ValidationError(ADDRESS_TAKEN, code="same_slug",
                              params={"name": name, "other": other, "slug": slug})


def _delete_tags(tags):
    """Delete tags, taking them off their stories all at once (the tag admin's deletions).

    Django deleted a tag's taggings one by one, each sending the signals that
    stamp its story's pages, and the revisions followed a query a story: a
    tag on 9,399 stories took 78 s to delete. The pages are staled in one
    stamp, the tags' own signals (their pages taken down) still sent.
    """
    with transaction.atomic(), pagecache.changes_gathered():
        stories = _lock_stories_then_tags(tags)
        taggings = TaggedItem.objects.filter(tag__in=tags)
        taggings_changed(taggings)
        _delete_without_signals(taggings)
        Tag.objects.filter(pk__in=[tag.pk for tag in tags]).delete()
        _refresh_revision_tags(stories)


def _lock_stories_then_tags(tags):
    """Lock the stories carrying tags, then the tags (FOR UPDATE), before they are merged
    away or deleted; the ids of the stories carrying them now.

    A story's save adding one of the tags holds it until its commit
    (articles.tags.kept_or_gone): the merge or deletion waits, then takes that
    story's tagging too. It had read the taggings first and deleted the tag
    from under the story's new tagging: a 500 at its commit or the story's.
    """
    _lock_stories(_story_ids(tags))
    list(Tag.objects.select_for_update().filter(pk__in=[tag.pk for tag in tags])
         .order_by("pk").values_list("pk", flat=True))
    return _story_ids(tags)


def _lock_stories(story_ids):
    """Lock the stories' rows until the transaction ends, before their tags are changed.

    A story's save holds its row from its conflict check to its end (core.admin:
    EditConflictMixin), and writes its tags by name: saved while a tag was being
    merged or deleted, it made the tag again, unseen by either editor. Now one
    waits for the other: the merge takes the story as saved, or the save is told
    the tags changed since the form was opened. In the order of their ids, as
    deletions lock (_locked_for_deletion), and FOR NO KEY UPDATE: a save waiting
    here may, at its commit, check a foreign key to one of these stories (a related
    story it added), and that check (FOR KEY SHARE) would wait on a FOR UPDATE
    lock in a circle, a deadlock that lost the save.
    """
    list(Article.objects.select_for_update(no_key=True).filter(pk__in=story_ids)
         .order_by("pk").values_list("pk", flat=True))


def _delete_without_signals(taggings):
    """Delete taggings in one statement: the caller has staled their pages (taggings_changed).

    QuerySet.delete() loads the rows and sends each its signals whenever a
    receiver listens, as the page cache does.
    """
    taggings._raw_delete(taggings.db)


def _story_ids(tags):
    """The ids of the stories tagged with any of tags."""
    return list(TaggedItem.objects.filter(
        tag__in=tags, content_type=ContentType.objects.get_for_model(Article))
        .values_list("object_id", flat=True).distinct())


def _refresh_revision_tags(story_ids, batch=500):
    """Write each story's tags as they are now into its latest revision.

    A revision keeps its story's tags by name (ArticleRevision.tag_names).
    Renaming, merging or deleting a tag changes stories' tags without saving
    them, as adding one in the story form does (articles.models
    _update_revision_tags): the latest revision is brought up to date the same
    way, so that restoring it does not bring back a name that is gone. Older
    revisions keep the names they had; the revert form says when a name is
    no longer on the site (ArticleAdmin.history_form_view).
    """
    # Two queries a batch of stories (one a story, before: a rename of a tag on
    # 1,847 stories took 1,868). The names are joined here, as taggit joins
    # them, rather than in SQL: SQLite before 3.44 cannot order an aggregate.
    story_type = ContentType.objects.get_for_model(Article)
    latest = Article.history.filter(id=OuterRef("id")).values("pk")[:1]  # as _latest_revisions
    for start in range(0, len(story_ids), batch):
        ids = story_ids[start:start + batch]
        tags = {pk: [] for pk in ids}
        for pk, name in (TaggedItem.objects.filter(content_type=story_type, object_id__in=ids)
                         .values_list("object_id", "tag__name")):
            tags[pk].append(Tag(name=name))
        stories = {}
        for pk, story_tags in tags.items():
            stories.setdefault(edit_string_for_tags(story_tags), []).append(pk)
        Article.history.filter(id__in=ids, pk=Subquery(latest)).update(tag_names=Case(
            *(When(id__in=pks, then=Value(names)) for names, pks in stories.items()),
            default=F("tag_names"), output_field=models.TextField()))


def _names(names):
    """“A”, “A” and “B”, “A”, “B” and “C”."""
    quoted = [f"“{name}”" for name in names]
    return " and ".join(filter(None, [", ".join(quoted[:-1]), quoted[-1]]))


class SectionAdminForm(forms.ModelForm):
    class Meta:
        model = Section
        fields = ["name", "slug", "position"]

    def clean_name(self):
        # "world" beside "World" would be one section twice in the navigation,
        # and the import would file stories under one of them: matched as it
        # matches them, in every script.
        name = self.cleaned_data["name"]
        # A section being added meanwhile (here, by the import) is seen once committed.
        claimed_alone(Section, "name", name_key(name))
        others = Section.objects.exclude(pk=self.instance.pk)
        existing = next(iter(in_any_case(others, [name]).values()), None)
        if existing is not None:
            raise ValidationError(
                "There is already a section “%(existing)s”: in another case, a name is the "
                "same section to readers. %(remedy)s",
                code="lookalike", params={
                    "existing": existing.name,
                    "remedy": "Choose another name." if self.instance.pk else
                              "Use that section instead."})
        return name

    def clean_slug(self):
        slug = lower_case_slug(self)
        claimed_alone(Section, "slug", slug)  # a section being added meanwhile is seen
        # Django's own refusal read "Section with this Slug already exists."
        existing = Section.objects.exclude(pk=self.instance.pk).filter(slug__iexact=slug).first()
        if existing is not None:
            raise ValidationError(
                "The section “%(name)s” has the slug “%(slug)s”, and each section needs its own "
                "address. Choose another slug.", code="slug_taken",
                params={"name": existing.name, "slug": existing.slug})
        return slug


@admin.register(Section)
class SectionAdmin(OldAddressesMixin, DeclaredLookupsOnly, EditConflictMixin, admin.ModelAdmin):
    form = SectionAdminForm
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def get_changelist_form(self, request, **kwargs):
        form = super().get_changelist_form(request, **kwargs)

        class NamedPositions(form):
            """Each row's position box named for its section: the list's only label is the
            column's heading, which a screen reader does not read with the box."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if self.instance.pk:
                    self.fields["position"].widget.attrs["aria-label"] = (
                        f"Position of {self.instance.name}")

        return NamedPositions


class RelatedArticleForm(forms.ModelForm):
    def validate_constraints(self):
        # A story picked twice is the formset's to refuse (RelatedArticleFormSet): it
        # sees every pick, a saved one removed in the same save included.
        try:
            self.instance.validate_constraints(
                exclude=self._get_validation_exclusions() | {"to_article"})
        except ValidationError as error:
            self._update_errors(error)


class RelatedArticleFormSet(BaseInlineFormSet):
    def validate_unique(self):
        # Django's own refusal named the column ("the duplicate data for to_article").
        picked = set()
        for form in self.forms:
            story = form.cleaned_data.get("to_article") if form.is_valid() else None
            if story is None or self._should_delete_form(form):
                continue
            if story.pk in picked:
                form.add_error("to_article", ValidationError(
                    "“%(headline)s” is picked twice; pick each related story once.",
                    code="picked_twice", params={"headline": story.headline}))
            picked.add(story.pk)
        super().validate_unique()


PICK_DELETED = ("“%(headline)s” was deleted while this story was open. Pick another story, or "
                "delete this row.")


class PickedStoryField(forms.ModelChoiceField):
    """A related story's field, which names a pick deleted while the form was open.

    Django said "Select a valid choice" beside an emptied box: the editor could
    tell neither which story had been picked nor what had become of it.
    """

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            gone = _deleted_headline(value) if error.code == "invalid_choice" else None
            if gone is None:
                raise
            raise ValidationError(PICK_DELETED, code="deleted", params={"headline": gone}) from None


def _deleted_headline(value):
    """The last headline of the deleted story whose id value is, else None."""
    pk = str(value)
    if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
        return None
    return (Article.history.filter(id=pk, history_type="-").order_by("-history_date")
            .values_list("headline", flat=True).first())


class RelatedArticleInline(admin.TabularInline):
    model = RelatedArticle
    form = RelatedArticleForm
    formset = RelatedArticleFormSet
    fk_name = "from_article"
    autocomplete_fields = ["to_article"]
    extra = 0
    verbose_name = "related story (editor's pick)"
    verbose_name_plural = "Related stories: editor's picks, in order"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "to_article":
            # The whole width of the column, so a long headline is not cut.
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site,
                                                         attrs={"data-width": "100%"})
            kwargs["form_class"] = PickedStoryField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# The corrections standards adds to the story form (articles does not import it).
_CORRECTION = Article._meta.get_field("corrections").related_model

# What readers and the newsroom put on record about a story, by the relations other
# apps add (articles imports neither): the transparency report counts them while the
# story is public, and /corrections/ lists its corrections.
STORY_RECORDS = ("comments", "bias_reports", "corrections")
ON_THE_RECORD = ("“%(headline)s” is public, and %(records)s on its public record: the "
                 "transparency report counts them in its figures for past months. Deleting "
                 "the story would delete them for good. Unpublish it instead: it leaves the "
                 "site at once and keeps its record, all of which comes back if it is "
                 "published again.")
DELETED_MEANWHILE = ("“%(headline)s” was deleted%(by)s while you had it open, so your changes "
                     "were not saved. Everything you typed is below, as a new draft: saving "
                     "creates the story again, not public.%(image)s")


def _record_relations():
    """The relations of STORY_RECORDS that the installed apps add, in that order."""
    relations = []
    for name in STORY_RECORDS:
        try:
            relations.append(Article._meta.get_field(name))
        except FieldDoesNotExist:
            pass
    return relations


def _counted(count, model):
    """“1 comment”, “3 bias reports”."""
    opts = model._meta
    return f"{count:,} {opts.verbose_name if count == 1 else opts.verbose_name_plural}"


def _listed(items):
    """“a”, “a and b”, “a, b and c”."""
    return " and ".join(filter(None, [", ".join(items[:-1]), items[-1]]))


def public_with_records(stories):
    """[(story, [(count, model)])] for each of the stories that is public and has something on
    record (STORY_RECORDS), in one query."""
    relations = _record_relations()
    counts = {f"on_record_{relation.name}": count_of(relation.related_model._base_manager.filter(
        **{relation.field.name: OuterRef("pk")})) for relation in relations}
    found = []
    for story in (stories.filter(public_story()).select_related(None)
                  .order_by("-published_at", "-pk")
                  .only("headline", "slug", "status", "published_at").annotate(**counts)):
        records = [(getattr(story, f"on_record_{relation.name}"), relation.related_model)
                   for relation in relations]
        if records := [(count, model) for count, model in records if count]:
            found.append((story, records))
    return found


@contextmanager
def _locked_for_deletion(request, stories, deletes):
    """Inside: when this request deletes (`deletes`), the stories' rows locked until the
    transaction ends, ahead of public_with_records(); once, as the delete confirmation
    finds (core.admin's get_deleted_objects, which takes the same lock otherwise).

    A reader's comment or report on a story waits on its row: sent before the
    lock, it is counted and the deletion refused; sent after, it fails once the
    story is gone. Checked before the deleting transaction, one sent in between
    was confirmed to its reader (BR-…), then deleted with the story. A page
    that only asks to confirm takes no lock: held while it counted a story's
    thousands of comments, every comment posted on that story waited for it (its
    foreign key waits on FOR UPDATE).
    """
    if deletes:
        # In the order of their ids: two deletions never wait on each other in a circle.
        list(Article.objects.select_for_update().filter(pk__in=stories.values("pk"))
             .order_by("pk").values_list("pk", flat=True))
    request.deletion_lock_handled = True
    try:
        yield
    finally:
        del request.deletion_lock_handled


def _on_the_record(story, records):
    """Why story may not be deleted: its records (public_with_records()), counted."""
    verb = "is" if records == [(1, records[0][1])] else "are"
    listed = _listed([_counted(count, model) for count, model in records])
    return ON_THE_RECORD % {"headline": story.headline, "records": f"{listed} {verb}"}


@functools.cache
def _story_parts():
    """The models whose rows exist only as parts of a story: deleted with it (CASCADE), at
    any depth (a comment's reports)."""
    parts, found = set(), [Article]
    while found:
        for relation in get_candidate_relations_to_delete(found.pop()._meta):
            model = relation.related_model
            if relation.on_delete is models.CASCADE and model is not Article and model not in parts:
                parts.add(model)
                found.append(model)
    return frozenset(parts)


# The filters' own template: a row of closed drop-downs above the list, so
# the table has the page's width (a sidebar of open lists took a quarter).
FILTER_TEMPLATE = "admin/articles/article/filter.html"


@admin.register(Article)
class ArticleAdmin(OldAddressesMixin, StorageErrorsMixin, DeclaredLookupsOnly, EditConflictMixin,
                   ComparedRevisionsMixin, ReadOnlyRevisionsMixin, SimpleHistoryAdmin):
    form = ArticleAdminForm
    list_display = ["thumbnail", "headline", "state", "publication_time", "byline", "section",
                    "last_edit"]
    list_display_links = ["headline"]
    list_filter = [StateFilter, "section", "author", AuthorKindFilter, "is_featured",
                   "ai_involvement", TagFilter]
    list_select_related = ["section", "author"]
    paginator = KeysFirstPaginator
    search_fields = ["headline", "dek", "body"]  # what get_search_results() reads
    search_help_text = ("Words of the headline, dek or body in any form (“ferry” finds "
                        "“ferries”), “a phrase” in quotes, -word to leave one out, or a "
                        "story’s slug.")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["author", "section"]
    readonly_fields = ["image_preview"]
    # Apps above articles add theirs (standards: corrections) from their own admin.
    inlines = [RelatedArticleInline]
    actions = ["publish_now", "unpublish", "feature", "unfeature", "delete_selected"]
    # The form is long: Save at the top too. It also makes Save, not the body's
    # Preview button, the button that Enter in a field presses.
    save_on_top = True
    fieldsets = [
        ("Story", {"fields": ["headline", "slug", "old_addresses", "dek", "body", "section"]}),
        ("Byline", {
            "fields": [("author", "ai_involvement"), ("ai_reviewed_by", "ai_reviewed_at")],
            "description": "A story by an AI persona, or generated by AI, needs a named "
                           "reviewing editor before it is published.",
        }),
        ("Photo", {"fields": ["image", "image_preview", "image_alt", "image_caption",
                              ("image_credit_source", "image_credit_photographer"),
                              ("image_is_illustration", "image_is_ai_generated")]}),
        ("Publishing", {"fields": [("status", "published_at"), "is_featured"]}),
        ("Related", {"fields": ["tags"]}),
    ]
    # A story keeps only the slugs it left while public (OldSlug).
    no_old_addresses = "None: this {noun} has left no slug while public."
    object_history_form_template = "admin/articles/article/object_history_form.html"
    revision_fields = REVISION_FIELDS
    long_text_fields = LONG_TEXT_FIELDS
    revision_noun = "story"
    preview_template = "admin/articles/article/preview.html"
    delete_refused_template = "admin/articles/article/delete_refused.html"

    class Media:
        css = {"all": ["css/admin_story.css"]}
        js = [Script("js/story_admin.js", type="module")]

    # The changelist.

    def get_queryset(self, request):
        if _suggesting(request):  # a suggestion shows the headline alone
            return super().get_queryset(request).defer(*CARD_DEFERRED)
        revisions = Article.history.model.objects.filter(id=OuterRef("pk")).order_by(
            "-history_date", "-history_id")
        name = Coalesce(NullIf(Trim(Concat("history_user__first_name", Value(" "),
                                           "history_user__last_name")), Value("")),
                        F("history_user__username"))
        return super().get_queryset(request).annotate(
            last_editor=Subquery(revisions.values(name=name)[:1]))

    def get_ordering(self, request):
        if _suggesting(request):
            # Newest first, drafts last: an order no index holds. Newest first as
            # the list is (article_newest_idx), PostgreSQL would walk every story
            # testing each one whenever it guessed more began so than did (it
            # guesses 2,000 for any beginning it has not seen): 0.3-0.6 s a
            # keystroke at 100,000 stories for a beginning in no story.
            return [F("published_at").desc(nulls_last=True), "-pk"]
        return super().get_ordering(request)

    def get_search_results(self, request, queryset, search_term):
        """The site's own search, drafts included, or the story with that slug.

        Django's search matched each word anywhere in the three columns: every
        search read every story's body, three times a page (13 seconds at
        100,000 stories). On PostgreSQL this reads the stored search vector
        through its index; other databases match the words as the site's
        search does there. A story field's suggestions match the beginnings of
        the words typed.
        """
        query, _ = clean_query(search_term)
        if not query:
            return queryset, False
        if _suggesting(request):
            return beginning_with(query, queryset) | queryset.filter(slug=query), False
        stories = Article.objects.all()
        return _among(queryset, _searched_once(
            matching(query, stories) | stories.filter(slug=query))), False

    def get_paginator(self, request, queryset, per_page, orphans=0,
                      allow_empty_first_page=True):
        if _suggesting(request):  # it asks only whether more follow
            return LookAheadPaginator(queryset, per_page)
        return super().get_paginator(request, queryset, per_page, orphans,
                                     allow_empty_first_page)

    def get_changelist(self, request, **kwargs):
        return StoryChangeList

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        for spec in changelist.filter_specs:
            spec.template = FILTER_TEMPLATE
        return changelist

    @admin.display(description="", empty_value="")
    def thumbnail(self, article):
        if not article.image:
            return ""
        return thumbnail(article.image_renditions, article.image.storage, article.image_alt, 48)

    @admin.display(description="author", ordering="author__name")
    def byline(self, article):
        if article.author.is_ai:
            return format_html('{} <abbr title="AI persona">(AI)</abbr>', article.author.name)
        return article.author.name

    @admin.display(description="state", ordering="status")
    def state(self, article):
        state = article.state
        label = "View on site" if state == Article.State.PUBLISHED else "Preview"
        featured = ""
        if article.is_featured:
            featured = format_html('<span class="story-featured">{}</span>', "Featured")
        return format_html('<span class="story-state story-state-{}">{}</span>{}'
                           '<a class="story-site-link" href="{}">{}</a>', state, state.label,
                           featured, article.get_absolute_url(), label)

    @admin.display(description="publication time", ordering="published_at")
    def publication_time(self, article):
        if article.published_at is None:
            return "—"
        return _time_element(article.published_at)

    @admin.display(description="last edited", ordering="updated_at")
    def last_edit(self, article):
        editor = (format_html('<span class="story-editor">{}</span>', article.last_editor)
                  if article.last_editor else "")
        return format_html("{} {}", editor, _time_element(article.updated_at))

    # The change form.

    def view_on_site(self, article):
        # Drafts and scheduled stories get the Preview link instead.
        return article.get_absolute_url() if article.is_published() else None

    @admin.display(description="current image")
    def image_preview(self, article):
        if not article.image:
            return "No image yet."
        renditions = article.image_renditions
        if renditions.get("source") != article.image.name:
            # An older revision's picture (a revision takes the renditions of the story
            # as it is today, of today's picture): the original, read from its header.
            renditions = original_only(article.image)
            if "width" not in renditions and not article.image.storage.exists(
                    article.image.name):
                return "This image’s file is no longer stored."
        return thumbnail(renditions, article.image.storage, article.image_alt, 240)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "image":
            kwargs["form_class"] = CheckedImageField
            kwargs["min_size"] = HERO_MIN_SIZE
            # The field's label is the legend around "Currently" and "Change": the
            # file input itself needs a name of its own.
            kwargs["widget"] = AdminFileWidget(attrs={"aria-label": "Image file"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "ai_reviewed_by":
            kwargs["queryset"] = reviewing_editors()
            kwargs["form_class"] = StaffUserChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if (obj is not None and inline.model is _CORRECTION
                    and inline.has_change_permission(request, obj)):
                # Each stored correction is a form of the inline, checked against the
                # publication time the story form saves, and may be dated anew in the
                # same save: the story's own check of the stored ones is left to it.
                # (An inline the editor may only view is not checked, nor sent.)
                obj.corrections_checked_by_form = True
            yield formset, inline

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        form = context["adminform"].form
        ask_for_chosen_files(request, form)
        if (getattr(request, "_story_deleted_meanwhile", None) is not None
                and list(form.errors) == [NON_FIELD_ERRORS] and len(context["errors"]) == 1):
            # Only the form's word that the story was deleted: nothing to correct, and
            # said at the top instead.
            self.message_user(request, " ".join(form.non_field_errors()), messages.WARNING)
            context["errors"] = []
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        # An inline added from above (standards' corrections) acts on its saved rows.
        saved = getattr(formset, "after_save", None)
        if saved is not None:
            saved()

    def save_model(self, request, article, form, change):
        super().save_model(request, article, form, change)
        if article.state == Article.State.SCHEDULED:
            self.message_user(request, f"“{article}” is scheduled: it becomes public on "
                                       f"{local_time(article.published_at)}.", messages.INFO)

    # Deleting. A story readers can see with comments, bias reports or corrections is
    # unpublished, not deleted; any other goes with all of its own rows.

    def deletion_covers(self, request, obj):
        # Its comments, their reports, its bias reports and corrections are parts of the
        # story: whoever may delete it may delete them with it (the confirmation counts
        # each kind). Moderators may not delete theirs on their own.
        return type(obj) in _story_parts()

    def delete_view(self, request, object_id, extra_context=None):
        # The record is checked in the transaction that deletes (_locked_for_deletion).
        with transaction.atomic():
            story = self.get_object(request, unquote(object_id))
            if story is None or not self.has_delete_permission(request, story):
                return super().delete_view(request, object_id, extra_context)
            chosen = Article.objects.filter(pk=story.pk)
            with _locked_for_deletion(request, chosen, deletes=request.method == "POST"):
                refused = public_with_records(chosen)
                if refused:
                    return self._deletion_refused(request, *refused[0])
                return super().delete_view(request, object_id, extra_context)

    def _deletion_refused(self, request, story, records):
        context = {
            **self.admin_site.each_context(request),
            "title": "Cannot delete article",
            "subtitle": str(story),
            "opts": self.model._meta,
            "object": story,
            "refusal": _on_the_record(story, records),
            "may_unpublish": self.has_change_permission(request, story),
            "changelist_url": reverse("admin:articles_article_changelist"),
            "change_url": reverse("admin:articles_article_change", args=[story.pk]),
        }
        return TemplateResponse(request, self.delete_refused_template, context)

    @admin.action(description=delete_selected.short_description, permissions=["delete"])
    def delete_selected(self, request, queryset):
        """Django's "Delete selected", refused while any chosen story is public with records."""
        with transaction.atomic(), _locked_for_deletion(request, queryset,
                                                         deletes=bool(request.POST.get("post"))):
            refused = public_with_records(queryset)
            if not refused:
                self._say_left_out(request, _chosen_not_found(request, queryset.count()))
                return delete_selected(self, request, queryset)
        for story, records in refused[:DELETIONS_NAMED]:
            self.message_user(request, f"Not deleted: {_on_the_record(story, records)}",
                              messages.ERROR)
        if len(refused) > DELETIONS_NAMED:
            self.message_user(request, f"Not deleted either: {len(refused) - DELETIONS_NAMED} "
                                       "more public stories with records.", messages.ERROR)
        self.message_user(request, "Nothing was deleted. To take public stories off the site, "
                                   "choose them and “Unpublish selected stories”.",
                          messages.WARNING)
        return None

    # A story deleted while it was open: what was typed comes back as a new draft.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            deleted = self._deleted_meanwhile(request, unquote(object_id))
            if deleted is not None:
                request._story_deleted_meanwhile = deleted
                request.POST = self._as_new_draft(request, request.POST)
                return super().changeform_view(
                    request, None, reverse("admin:articles_article_add"), extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def deleted_while_saving(self, request, object_id, form_url, extra_context):
        # Deleted while the save waited for it: the form again, now as a new draft.
        return self.changeform_view(request, object_id, form_url, extra_context)

    def _deleted_meanwhile(self, request, pk):
        """The revision that recorded the deletion of the story pk, when it no longer exists
        and this editor may add it again; else None."""
        if not (pk.isascii() and pk.isdigit()) or not self.has_add_permission(request):
            return None
        if Article.objects.filter(pk=pk).exists():
            return None
        return (Article.history.filter(id=pk, history_type="-").select_related("history_user")
                .order_by("-history_date", "-history_id").first())

    def _as_new_draft(self, request, data):
        """The posted form as the add form reads it: a draft, its inlines' rows new ones (those
        stored went with the story)."""
        data = data.copy()
        data["status"] = Article.State.DRAFT
        for inline in self.get_inline_instances(request):
            formset = inline.get_formset(request)
            prefix = formset.get_default_prefix()
            if f"{prefix}-INITIAL_FORMS" not in data:
                continue
            data[f"{prefix}-INITIAL_FORMS"] = "0"
            row = re.compile(rf"^{re.escape(prefix)}-\d+-(?:id|{re.escape(formset.fk.name)})$")
            for key in [key for key in data if row.match(key)]:
                del data[key]
        return data

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        deleted = getattr(request, "_story_deleted_meanwhile", None)
        if deleted is None or obj is not None:
            return form
        user = deleted.history_user
        by = (f" by {user.get_full_name() or user.get_username()}" if user else "")
        message = DELETED_MEANWHILE % {
            "headline": deleted.headline, "by": f"{by} at {record_time(deleted.history_date)}",
            "image": (" Its image was deleted with it: choose the image again."
                      if deleted.image else "")}

        class ShownAgainForm(form):
            def clean(self):
                cleaned_data = super().clean()
                self.add_error(None, ValidationError(message, code="deleted_meanwhile"))
                return cleaned_data

        ShownAgainForm.__name__ = form.__name__
        return ShownAgainForm

    # Bulk actions. Each story is saved on its own so that it keeps a revision.

    def _save_each(self, request, queryset, change, verb, already, told=None):
        """change(article) each story and save it, unless that changed nothing.

        already says what an unchanged story was, singular and plural ("already
        a draft", "already drafts"). Saving it would write an empty revision and
        move its updated_at: the sitemap, feeds and caches would call it modified.
        change may return a word for what it did other than verb says, which
        told maps to the message for the stories saved so, told[word](stories).

        Each story is read when its turn comes and locked until it is saved.
        Read all at the start, a story another editor saved while the action ran
        (a new headline, unpublished) was saved back as it had been, and one
        deleted meanwhile was made again.
        """
        done, unchanged, refused, saved_as = 0, 0, [], {}
        pks = list(queryset.values_list("pk", flat=True))
        left_out = _chosen_not_found(request, len(pks))
        for pk in pks:
            with transaction.atomic():
                article = _locked_story(queryset, pk)
                if article is None:
                    left_out += 1
                    continue
                before = _field_values(article)
                outcome = change(article)
                if _field_values(article) == before:
                    unchanged += 1
                    continue
                try:
                    article.clean()
                except ValidationError as error:
                    refused.append(f"“{article}”: {' '.join(error.messages)}")
                    continue
                article._history_user = request.user
                article.save()
                if outcome is None:
                    done += 1
                else:
                    saved_as.setdefault(outcome, []).append(article)
        for outcome, stories in saved_as.items():
            self.message_user(request, told[outcome](stories), messages.SUCCESS)
        if done:
            self.message_user(request, f"{verb} {done} {'story' if done == 1 else 'stories'}.",
                              messages.SUCCESS)
        if unchanged:
            self.message_user(request, f"1 story was {already[0]}." if unchanged == 1
                              else f"{unchanged} stories were {already[1]}.",
                              messages.INFO)
        self._say_left_out(request, left_out)
        for reason in refused[:REFUSALS_NAMED]:
            self.message_user(request, f"Not {verb.lower()}: {reason}", messages.ERROR)
        if len(refused) > REFUSALS_NAMED:
            more = len(refused) - REFUSALS_NAMED
            self.message_user(request, f"Not {verb.lower()} either: {more} more "
                              f"{'story that needs' if more == 1 else 'stories that need'} "
                              "changes first.", messages.ERROR)

    def _say_left_out(self, request, left_out):
        if left_out:
            self.message_user(request, "1 story was left out: since the list was shown, it was "
                                       "deleted or no longer fits the list’s filters."
                              if left_out == 1 else
                              f"{left_out} stories were left out: since the list was shown, "
                              "they were deleted or no longer fit the list’s filters.",
                              messages.WARNING)

    @admin.action(description="Publish selected stories now", permissions=["change"])
    def publish_now(self, request, queryset):
        now = timezone.now().replace(microsecond=0)  # whole seconds, as the form keeps them

        def publish(article):
            if article.is_published(now):
                return None
            # A story taken down goes back up with the time readers were shown, as the
            # story form keeps it: dated now, it came back as a new story in the lists,
            # feeds, sitemap and daily edition. A draft never public, or a story
            # scheduled for later, is published now.
            shown = (None if article.state == Article.State.SCHEDULED
                     else article.shown_publication_time(now))
            article.status = Article.Status.PUBLISHED
            if shown is None:
                article.published_at = now
                return None
            if article.published_at is None or article.published_at > now:
                article.published_at = shown
            return "republished"

        self._save_each(request, queryset, publish, "Published", ("already published",) * 2,
                        told={"republished": _republished})

    @admin.action(description="Unpublish selected stories (back to draft)",
                  permissions=["change"])
    def unpublish(self, request, queryset):
        def unpublish(article):
            article.status = Article.Status.DRAFT

        self._save_each(request, queryset, unpublish, "Unpublished",
                        ("already a draft", "already drafts"))

    @admin.action(description="Feature selected stories", permissions=["change"])
    def feature(self, request, queryset):
        def feature(article):
            article.is_featured = True

        self._save_each(request, queryset, feature, "Featured", ("already featured",) * 2)

    @admin.action(description="Unfeature selected stories", permissions=["change"])
    def unfeature(self, request, queryset):
        def unfeature(article):
            article.is_featured = False

        self._save_each(request, queryset, unfeature, "Unfeatured", ("not featured",) * 2)

    # The body's preview, rendered by the site's own Markdown and sanitiser.

    def preview_view(self, request):
        """The body as readers would see it, with its word count and read time.

        story_admin.js asks for JSON as one types; without JavaScript the form's
        Preview button posts here and gets a page in a new tab.
        """
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        if request.method != "POST":
            # After signing in again, the browser asks for the address the Preview button
            # had posted to from the form's tab: it got a blank 405 page.
            response = TemplateResponse(request, self.preview_template, {
                **self.admin_site.each_context(request), "title": "Preview",
                "opts": self.model._meta, "not_sent": True}, status=405)
            response["Allow"] = "POST"
            return response
        body = request.POST.get("body", "")
        html = render_markdown(body)
        words, minutes = reading_stats(html)
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"html": html, "words": words, "minutes": minutes,
                                 "stats": _stats_text(words, minutes)})
        context = {
            **self.admin_site.each_context(request),
            "title": "Preview",
            "opts": self.model._meta,
            "headline": request.POST.get("headline", ""),
            "dek": request.POST.get("dek", ""),
            "html": html,
            "stats": _stats_text(words, minutes),
        }
        return TemplateResponse(request, self.preview_template, context)

    # Revisions: listed on the history page, compared two at a time, restored.

    def get_urls(self):
        preview = path("preview/", self.admin_site.admin_view(self.preview_view),
                       name="articles_article_preview")
        return [preview, *super().get_urls()]

    def compare_rows(self, older, newer):
        rows = super().compare_rows(older, newer)
        rows.append({"label": "Tags", "old": older.tag_names or "—",
                     "new": newer.tag_names or "—",
                     "changed": older.tag_names != newer.tag_names, "diff": None})
        return rows

    def set_history_delta_changes(self, request, historical_records, **kwargs):
        records = with_next_older(historical_records)
        super().set_history_delta_changes(request, records, **kwargs)
        for newer, older in zip(records, records[1:]):
            if newer.tag_names != older.tag_names:
                newer.history_delta_changes = [
                    *getattr(newer, "history_delta_changes", []),
                    {"field": "Tags", "old": older.tag_names, "new": newer.tag_names},
                ]

    def history_view(self, request, object_id, extra_context=None):
        require_numbers(unquote(object_id))
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        require_numbers(unquote(object_id), version_id)
        # django-simple-history checks only view permission here, and its form
        # would save a revert for a user who may view but not change articles.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        # Who may not change stories sees the revision read-only (ReadOnlyRevisionsMixin):
        # what Revert would do is not theirs to weigh.
        may_revert = self.has_change_permission(request)
        if (request.method == "GET"
                and not Article.objects.filter(pk=unquote(object_id)).exists()):
            # django-simple-history restores a deleted row as it restores any revision.
            self.message_user(request, "This story was deleted. Revert restores it as this "
                                       "revision shows it, with its tags; its related stories "
                                       "and corrections were deleted with it and are not "
                                       "restored." if may_revert else
                              "This story was deleted; this is how this revision shows it.",
                              messages.WARNING)
        if request.method == "GET" and may_revert:
            self._warn_of_tags_gone(request, object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_revision_fieldsets(self, request, obj):
        # Read-only, the tags field would show the story's tags now, not the revision's.
        return [(name, {**options, "fields": [
            "revision_tags" if field == "tags" else field for field in options["fields"]]})
            for name, options in super().get_revision_fieldsets(request, obj)]

    @admin.display(description="tags")
    def revision_tags(self, article):
        revision = to_historic(article)
        return revision.tag_names if revision is not None else ""

    def _warn_of_tags_gone(self, request, object_id, version_id):
        """Say which of the revision's tags are no longer on the site.

        A revision keeps tags by name, and a tag renamed, merged into another
        or deleted since is not among them (the latest revision alone is
        brought up to date: _refresh_revision_tags): the form would create
        it anew. The editor sees it named before choosing Revert.
        """
        revision = Article.history.filter(id=unquote(object_id), history_id=version_id).first()
        if revision is None:
            return
        # A name in another case is the tag on the site (the form's clean_tags).
        gone = [name for name in parse_tags(revision.tag_names) if lookalike(name) is None]
        if len(gone) == 1:
            self.message_user(request, f"This revision’s tag {_names(gone)} is no longer on "
                              "the site (renamed, merged into another tag or deleted since): "
                              "Revert would create it again. Take it out of Tags below "
                              "unless it should come back.", messages.WARNING)
        elif gone:
            self.message_user(request, f"This revision’s tags {_names(gone)} are no longer "
                              "on the site (renamed, merged into other tags or deleted "
                              "since): Revert would create them again. Take them out of Tags "
                              "below unless they should come back.", messages.WARNING)


# Public stories with records named when "Delete selected" is refused.
DELETIONS_NAMED = 5
# Stories named when a bulk action refuses them; the others are counted (190 lines were 220 kB).
REFUSALS_NAMED = 5


def _chosen_not_found(request, found):
    """How many of the stories an action was sent for are not among the `found` it takes:
    deleted since the list was shown, or out of its filters. Django dropped them unsaid, and
    an action on stories all gone answered with the list alone, as if never asked."""
    if request.POST.get("select_across") == "1":  # the list as it is now
        return 0
    return max(len(set(request.POST.getlist(ACTION_CHECKBOX_NAME))) - found, 0)


def _republished(stories):
    """publish_now's message for stories that were public before, back with their time."""
    if len(stories) == 1:
        return (f"Republished “{stories[0]}” with its first publication time, "
                f"{local_time(stories[0].published_at)}: it was public before, so it is not "
                "shown as a new story.")
    return (f"Republished {len(stories)} stories with their first publication times: they "
            "were public before, so they are not shown as new stories.")


def _field_values(article):
    """What a bulk action may change of a story: its fields' values."""
    return [getattr(article, field.attname) for field in Article._meta.concrete_fields]


def _locked_story(chosen, pk):
    """Story pk as stored now, whole, locked until the transaction ends; None once it is
    deleted or no longer among chosen (the list's selection, filters and all)."""
    story = (Article.objects.select_for_update(of=("self",))
             .select_related("author", "ai_reviewed_by").filter(pk=pk).first())
    if story is None or not chosen.filter(pk=pk).exists():
        return None
    return story


def _time_element(moment):
    """A time as the story list shows it: short, local, on two lines that do not break."""
    local = timezone.localtime(moment)
    return format_html('<time datetime="{}"><span>{}</span> <span>{}</span></time>',
                       local.isoformat(timespec="seconds"), date_format(local, "M j, Y"),
                       date_format(local, "g:i A"))
