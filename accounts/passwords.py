"""Password validators of the site's own (settings: AUTH_PASSWORD_VALIDATORS)."""

from django.core.exceptions import ValidationError

from core.text import has_visible_text


class VisibleCharactersValidator:
    """Refuse a password made only of blank characters: spaces, tabs, invisible fillers.

    Django's validators let twelve spaces through (long enough, not digits, not
    a listed password), yet they are about the first thing a guesser would try.
    A passphrase with spaces between its words is fine.
    """

    def validate(self, password, user=None):
        if not has_visible_text(password):
            raise ValidationError(
                "This password is only spaces or other blank characters. Please use "
                "letters, digits or other characters too.", code="password_blank")

    def get_help_text(self):
        return "Your password can’t be only spaces."
