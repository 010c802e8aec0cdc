from urllib.parse import urlsplit

from django import forms
from django.contrib.auth.base_user import BaseUserManager

from core.forms import EmailAddressField, SubmissionTokenField, new_submission_token
from core.mail import mailbox
from core.text import clean_limited_text, has_invisible_characters

from .models import DETAILS_MAX_CHARS, QUOTE_MAX_CHARS, BiasReport


class BiasReportForm(forms.ModelForm):
    counted_fields = ("quoted_passage", "details")

    submission_token = SubmissionTokenField()

    reason = forms.ChoiceField(
        label="What kind of bias did you see?",
        choices=[(value, f"{label}: {BiasReport.REASON_HELP[value]}")
                 for value, label in BiasReport.Reason.choices],
        widget=forms.RadioSelect,
        # WCAG 3.3.3: what to do, not only what is wrong ("This field is required.").
        error_messages={"required": "Choose the kind of bias you saw: one of the six below."},
    )
    quoted_passage = forms.CharField(
        label="The passage (optional)", required=False, strip=False,
        help_text=f"Copy the words from the story, up to {QUOTE_MAX_CHARS} characters.",
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto", "maxlength": QUOTE_MAX_CHARS,
                                     "data-limit": QUOTE_MAX_CHARS}),
    )
    details = forms.CharField(
        label="Details", required=False, strip=False,
        help_text=f"What is biased and why, up to {DETAILS_MAX_CHARS} characters. "
                  "Required when you choose Other.",
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto", "maxlength": DETAILS_MAX_CHARS,
                                     "data-limit": DETAILS_MAX_CHARS}),
    )
    evidence_url = forms.URLField(
        label="Evidence link (optional)", required=False, max_length=500, assume_scheme="https",
        help_text="A source that supports your report.",
        # Said as the email field says it, with an example ("Enter a valid URL." was all).
        error_messages={"invalid": "Enter the link’s whole address, such as "
                                   "https://www.example.org/story, or leave this empty."},
    )
    # The model's length (254), so the browser's maxlength is the server's, not 320.
    contact_email = EmailAddressField(
        label="Your email (optional)", required=False,
        max_length=BiasReport._meta.get_field("contact_email").max_length,
        help_text="Only to tell you the outcome. Our moderators see it; it is never "
                  "published or used for anything else.",
    )

    class Meta:
        model = BiasReport
        fields = ["reason", "quoted_passage", "details", "evidence_url", "contact_email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_token"].initial = new_submission_token()

    def clean_quoted_passage(self):
        return clean_limited_text(self.cleaned_data["quoted_passage"], QUOTE_MAX_CHARS,
                                  "Quoted passages")

    def clean_details(self):
        return clean_limited_text(self.cleaned_data["details"], DETAILS_MAX_CHARS, "Details")

    def clean_evidence_url(self):
        """Refuse a link that reads as another address than the one it leads to.

        Moderators follow these links from the desk: "https://www.reuters.com@evil.example/"
        leads to evil.example, and a direction control drew "…/\u202egpj.exe" as "exe.jpg".
        """
        url = self.cleaned_data["evidence_url"]
        if not url:
            return url
        if has_invisible_characters(url):
            raise forms.ValidationError(
                "This link contains a character that does not show (such as a direction "
                "control or a zero-width space), which can make it read as another address. "
                "Please copy the link again from the address bar.", code="invisible")
        parts = urlsplit(url)
        if "@" in parts.netloc:
            raise forms.ValidationError(
                "Please give the link without the part before “@” in its address: "
                "“%(url)s” leads to %(host)s, not to %(shown)s.",
                params={"url": url, "host": parts.hostname or "another site",
                        "shown": parts.netloc.rpartition("@")[0]}, code="userinfo")
        return url

    def clean_contact_email(self):
        # One spelling for each inbox, as sign-up keeps it (core.mail.mailbox): mail to
        # root@localhost, ops@[10.0.0.5] or a quoted local part reaches no reporter.
        email = self.cleaned_data["contact_email"]
        return mailbox(BaseUserManager.normalize_email(email)) if email else email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == BiasReport.Reason.OTHER and not cleaned.get("details"):
            self.add_error("details", "Please describe the problem: details are required "
                                      "when the reason is Other.")
        return cleaned
