import re
import secrets

from django import forms

from core.text import clean_limited_text

from .models import COMMENT_MAX_CHARS, COMMENT_MAX_LINE_BREAKS, CommentReport

SUBMISSION_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
MISSING_TOKEN = ("This form was incomplete, so nothing was posted. Your text is still here: "
                 "please post again (reload the page if this keeps happening).")


def new_submission_token():
    return secrets.token_urlsafe(18)


class SubmissionTokenField(forms.CharField):
    """The hidden token that makes one form submission store at most one comment."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def bound_data(self, data, initial):
        # A refused form keeps its token, so that sending it again is still the
        # same submission; one that came without a valid token gets a fresh one.
        return data if SUBMISSION_TOKEN_PATTERN.fullmatch(data or "") else initial

    def clean(self, value):
        value = super().clean(value)
        if not SUBMISSION_TOKEN_PATTERN.fullmatch(value):
            raise forms.ValidationError(MISSING_TOKEN, code="no_token")
        return value


class CommentForm(forms.Form):
    submission_token = SubmissionTokenField()
    # No max_length: the browser's count (UTF-16 units) is not ours (code points).
    body = forms.CharField(
        label="Your comment",
        strip=False,
        required=False,
        widget=forms.Textarea(attrs={"maxlength": COMMENT_MAX_CHARS, "rows": 4,
                                     "aria-describedby": "comment-counter comment-rules",
                                     "data-limit": COMMENT_MAX_CHARS,
                                     "data-max-line-breaks": COMMENT_MAX_LINE_BREAKS}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_token"].initial = new_submission_token()

    def add_error(self, field, error):
        super().add_error(field, error)
        # The reason (#comment-errors) is read out with the field.
        described_by = self.fields["body"].widget.attrs["aria-describedby"]
        if "body" in self.errors and "comment-errors" not in described_by.split():
            self.fields["body"].widget.attrs["aria-describedby"] = f"comment-errors {described_by}"

    def clean_body(self):
        return clean_limited_text(self.cleaned_data["body"], COMMENT_MAX_CHARS, "Comments",
                                  empty_message="Write something before posting: "
                                                "the comment is empty.",
                                  max_line_breaks=COMMENT_MAX_LINE_BREAKS)


class CommentReportForm(forms.Form):
    reason = forms.ChoiceField(label="What is wrong with this comment?",
                               choices=CommentReport.Reason, widget=forms.RadioSelect)
