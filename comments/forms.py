from django import forms

from core.forms import SubmissionTokenField, new_submission_token
from core.text import clean_limited_text

from .models import COMMENT_MAX_CHARS, COMMENT_MAX_LINE_BREAKS, CommentReport

MISSING_TOKEN = ("This form was incomplete, so nothing was posted. Your text is still here: "
                 "please post again (reload the page if this keeps happening).")


def clean_comment_text(text, empty_message):
    """A comment's text as it is stored, or a ValidationError saying what is wrong with it."""
    return clean_limited_text(text, COMMENT_MAX_CHARS, "Comments", empty_message=empty_message,
                              max_line_breaks=COMMENT_MAX_LINE_BREAKS)


class CommentForm(forms.Form):
    submission_token = SubmissionTokenField(missing=MISSING_TOKEN)
    # No max_length: the browser's count (UTF-16 units) is not ours (code points).
    body = forms.CharField(
        label="Your comment",
        strip=False,
        required=False,
        widget=forms.Textarea(attrs={"maxlength": COMMENT_MAX_CHARS, "rows": 4, "dir": "auto",
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
        return clean_comment_text(self.cleaned_data["body"],
                                  "Write something before posting: the comment is empty.")


class TryRulesForm(forms.Form):
    """A comment a moderator tries against the word rules (WordRuleAdmin.try_view)."""

    body = forms.CharField(label="Comment", strip=False, required=False,
                           widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "dir": "auto"}))

    def clean_body(self):
        # As a reader's comment is cleaned: the rules read what would be stored.
        return clean_comment_text(self.cleaned_data["body"], "Write a comment to try.")


class CommentReportForm(forms.Form):
    reason = forms.ChoiceField(label="What is wrong with this comment?",
                               choices=CommentReport.Reason, widget=forms.RadioSelect)
