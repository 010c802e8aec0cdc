"""Form pieces the apps share."""

import re
import secrets

from django import forms

SUBMISSION_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_submission_token():
    return secrets.token_urlsafe(18)


class SubmissionTokenField(forms.CharField):
    """The hidden token that makes one form, however often it is sent, store one thing
    (a comment, a bias report), with a unique constraint on it in the database.

    missing: the message for a form sent without a valid token, which is then
    refused (comments); without one the token is optional, and such a form
    goes through with None (bias reports: a page opened before there were
    tokens, a script), only without this protection.
    """

    widget = forms.HiddenInput

    def __init__(self, missing=None, **kwargs):
        self.missing = missing
        super().__init__(required=False, **kwargs)

    def bound_data(self, data, initial):
        # A refused form keeps its token, so that sending it again is still the
        # same submission; one that came without a valid token gets a fresh one.
        return data if SUBMISSION_TOKEN_PATTERN.fullmatch(data or "") else initial

    def clean(self, value):
        value = super().clean(value)
        if SUBMISSION_TOKEN_PATTERN.fullmatch(value):
            return value
        if self.missing:
            raise forms.ValidationError(self.missing, code="no_token")
        return None
