from django import forms

from core.forms import SubmissionTokenField, new_submission_token
from core.text import clean_limited_text

from .models import DETAILS_MAX_CHARS, QUOTE_MAX_CHARS, BiasReport


class BiasReportForm(forms.ModelForm):
    counted_fields = ("quoted_passage", "details")

    submission_token = SubmissionTokenField()

    reason = forms.ChoiceField(
        label="What kind of bias did you see?",
        choices=[(value, f"{label}: {BiasReport.REASON_HELP[value]}")
                 for value, label in BiasReport.Reason.choices],
        widget=forms.RadioSelect,
    )
    quoted_passage = forms.CharField(
        label="The passage (optional)", required=False, strip=False,
        help_text=f"Copy the words from the story, up to {QUOTE_MAX_CHARS} characters.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": QUOTE_MAX_CHARS,
                                     "data-limit": QUOTE_MAX_CHARS}),
    )
    details = forms.CharField(
        label="Details", required=False, strip=False,
        help_text=f"What is biased and why, up to {DETAILS_MAX_CHARS} characters. "
                  "Required when you choose Other.",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": DETAILS_MAX_CHARS,
                                     "data-limit": DETAILS_MAX_CHARS}),
    )
    evidence_url = forms.URLField(
        label="Evidence link (optional)", required=False, max_length=500, assume_scheme="https",
        help_text="A source that supports your report.",
    )
    # The model's length (254), so the browser's maxlength is the server's, not 320.
    contact_email = forms.EmailField(
        label="Your email (optional)", required=False,
        max_length=BiasReport._meta.get_field("contact_email").max_length,
        help_text="Only to tell you the outcome; never shown or used for anything else.",
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

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == BiasReport.Reason.OTHER and not cleaned.get("details"):
            self.add_error("details", "Please describe the problem: details are required "
                                      "when the reason is Other.")
        return cleaned
