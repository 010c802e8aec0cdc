from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import OuterRef

from core.admin import (DeclaredLookupsOnly, EditConflictMixin, OldAddressesMixin,
                        StaffUserChoiceField, ask_for_chosen_files, lower_case_slug)
from core.images import CheckedImageField, thumbnail
from core.queries import count_of
from core.rowlocks import claimed_alone
from core.storage_errors import StorageErrorsMixin
from core.text import name_key

from .models import Author

def staff_users():
    """Newsroom accounts, which alone may stand behind an author."""
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")


class AuthorAdminForm(forms.ModelForm):
    class Meta:
        model = Author
        fields = ["name", "slug", "title", "bio", "avatar", "is_ai", "ai_disclosure", "user"]

    def clean_name(self):
        # "JONAH FERRELL" beside "Jonah Ferrell" would be one writer with two
        # bylines and two pages, and the import, which matches authors as they
        # look, would file stories under one of them. Compared as it compares
        # them (name_key: in any case, a no-break space, two spaces, fullwidth
        # letters or a zero-width space alike), in every script, as sections are;
        # a newsroom's authors are read in one query.
        name = self.cleaned_data["name"]
        key = name_key(name)
        # An author being added meanwhile (here, by the import) is seen once committed.
        claimed_alone(Author, "name", key)
        others = (Author.objects.exclude(pk=self.instance.pk).order_by("pk")
                  .values_list("name", flat=True))
        existing = next((other for other in others if name_key(other) == key), None)
        if existing is not None:
            raise ValidationError(
                "There is already an author “%(existing)s”: in another case, a name is the "
                "same author to readers. %(remedy)s",
                code="lookalike", params={
                    "existing": existing,
                    "remedy": "Choose another name." if self.instance.pk else
                              "Use that author instead."})
        return name

    def clean_slug(self):
        slug = lower_case_slug(self)
        # Django's check of the unique slug (after this) reads only what is committed.
        claimed_alone(Author, "slug", slug)
        return slug


@admin.register(Author)
class AuthorAdmin(OldAddressesMixin, StorageErrorsMixin, DeclaredLookupsOnly, EditConflictMixin,
                  admin.ModelAdmin):
    form = AuthorAdminForm
    list_display = ["avatar_thumbnail", "name", "title", "is_ai", "user", "story_count"]
    list_display_links = ["name"]
    list_filter = ["is_ai"]
    list_select_related = ["user"]
    ordering = ["name"]
    search_fields = ["name", "title"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["avatar_preview"]
    fieldsets = [
        ("Profile", {"fields": ["name", "slug", "old_addresses", "title", "bio", "avatar",
                                "avatar_preview"]}),
        ("AI persona", {
            "fields": ["is_ai", "ai_disclosure"],
            "description": "Shown on the author page under “AI disclosure”, where every AI "
                           "badge links. Once the author has a published or scheduled story, "
                           "“AI persona” is fixed, and stays so after the story is "
                           "unpublished or deleted: create a new profile instead.",
        }),
        ("Newsroom account", {"fields": ["user"]}),
    ]

    def get_queryset(self, request):
        # Each author's stories are counted for the authors shown, through the
        # stories' index by author. Counted through a join, every story was
        # grouped with its author for each page: 150 ms at 100,000 stories.
        # (Article is the relation's model: authors do not import articles.)
        stories = Author._meta.get_field("articles").related_model._default_manager
        return super().get_queryset(request).annotate(
            story_count=count_of(stories.filter(author=OuterRef("pk"))))

    @admin.display(description="")
    def avatar_thumbnail(self, author):
        if not author.avatar:
            return ""
        return thumbnail(author.avatar_renditions, author.avatar.storage, author.name, 48)

    @admin.display(description="current avatar")
    def avatar_preview(self, author):
        if not author.avatar:
            return "No avatar yet."
        return thumbnail(author.avatar_renditions, author.avatar.storage, author.name, 96)

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, author):
        return author.story_count

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "avatar":
            kwargs["form_class"] = CheckedImageField
            # The field's label is the legend around "Currently" and "Change": the file
            # input itself needs a name of its own (as the story's image has).
            kwargs["widget"] = AdminFileWidget(attrs={"aria-label": "Avatar file"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):
        ask_for_chosen_files(request, context["adminform"].form)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The linked user is offered from newsroom accounts only; editors may not
        # browse users, so an autocomplete on the user admin would refuse them.
        if db_field.name == "user":
            kwargs["queryset"] = staff_users()
            kwargs["form_class"] = StaffUserChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
