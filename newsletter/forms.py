import re

from django import forms
from django.db.models import Exists, OuterRef, Q

from articles.models import Article, Section
from authors.models import Author
from core.forms import EmailAddressField, SubmissionTokenField, new_submission_token
from core.mail import mailbox

NOTHING_CHOSEN = ("Choose at least one edition: the daily edition, a section or an author.")
GONE_CHOICE = ("One of the sections or authors you chose is no longer offered. "
               "Please check your choices.")


class Choices(forms.ModelMultipleChoiceField):
    """Checkboxes of rows by id; ids that could be no row's are refused before the query."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, required=False, error_messages={
            "invalid_choice": GONE_CHOICE, "invalid_pk_value": GONE_CHOICE}, **kwargs)

    def _check_values(self, value):
        # SQLite cannot even compare an integer over 64 bits: it raises.
        if any(not re.fullmatch(r"[0-9]{1,18}", str(pk)) for pk in value):
            raise forms.ValidationError(GONE_CHOICE, code="invalid_pk_value")
        return super()._check_values(value)


class EditionsForm(forms.Form):
    """What a subscriber follows: the daily edition and/or sections and authors."""

    is_daily = forms.BooleanField(
        label="The daily edition", required=False,
        help_text="Every morning: the new stories of every section.")
    sections = Choices(Section.objects.all())
    authors = Choices(Author.objects.none())

    def __init__(self, *args, followed_authors=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Those with a public story, as of this form: a persona whose stories are all
        # still drafts was offered here before anywhere else. And those the
        # subscriber follows already, public now or not: an author left out
        # would be unfollowed by the next save, unseen.
        self.fields["authors"].queryset = Author.objects.annotate(
            has_public_story=Exists(Article.objects.published().filter(author=OuterRef("pk")))
        ).filter(Q(has_public_story=True) | Q(pk__in=[a.pk for a in followed_authors])
                 ).order_by("name")

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("is_daily") or data.get("sections")
                                    or data.get("authors")):
            raise forms.ValidationError(NOTHING_CHOSEN, code="nothing_chosen")
        return data


class SubscribeForm(EditionsForm):
    # Optional: a page opened before the form had one still subscribes, unprotected
    # from its twins (views._subscribe).
    submission_token = SubmissionTokenField()
    email = EmailAddressField(
        label="Your email address", max_length=254,
        help_text="Used for the editions you choose, nothing else. We send a confirmation "
                  "link first.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "Enter the email address the editions should go to."})

    field_order = ["email", "is_daily", "sections", "authors"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_token"].initial = new_submission_token()

    def clean_email(self):
        # One inbox, one subscriber.
        return mailbox(self.cleaned_data["email"])
