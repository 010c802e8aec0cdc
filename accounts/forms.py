import unicodedata

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
    UserCreationForm,
)
from django.db.models import Q

from core.forms import EmailAddressField, SubmissionTokenField, new_submission_token
from core.mail import mailbox
from core.roles import ROLES
from core.text import is_blank_character

from .models import HeldName, UsernameSkeleton
from .usernames import RESERVED_WORDS, mixes_scripts_confusably, name_orders, reads_as

NOT_AVAILABLE = "This name is not available. Please choose another."
# An address held from a suspended account that was deleted (accounts.models.HeldName),
# refused at sign-up and email change alike without saying why.
HELD_EMAIL = "This email address cannot be used at the moment. Please use another."


def _refuse_held(email):
    if HeldName.objects.in_force().of_email(email).exists():
        raise forms.ValidationError(HELD_EMAIL, code="held_email")


def password_help():
    """What AUTH_PASSWORD_VALIDATORS ask for, in one plain sentence instead of Django's list."""
    lengths = [validator.min_length
               for validator in password_validation.get_default_password_validators()
               if isinstance(validator, password_validation.MinimumLengthValidator)]
    length = f"At least {max(lengths)} characters" if lengths else "Any length"
    return (f"{length}, not only digits, not a common password and not like your "
            f"username or email. A few unrelated words make a strong one.")


def _plain_password_words(form, new, again):
    form.fields[new].help_text = password_help()
    form.fields[again].label = "The same password again"
    form.fields[again].help_text = "So that a typing mistake does not lock you out."


class RulesOnNewPassword:
    """Django's password forms, with what the new password breaks (too short, too common, all
    digits) said on the new password's field, not on "the same password again".

    Django checks the second field, so the first, where the password is chosen,
    was not marked invalid and a screen reader heard the error only on the
    second. That the two differ is still said on the second.
    """

    def validate_password_for_user(self, user, password_field_name="password2", **kwargs):
        first = password_field_name.removesuffix("2") + "1"
        super().validate_password_for_user(user, password_field_name=first, **kwargs)


class SignupForm(RulesOnNewPassword, UserCreationForm):
    # Recognises the form sent twice (views.signup); optional, as for bias reports.
    submission_token = SubmissionTokenField()
    email = EmailAddressField(
        label="Email", max_length=get_user_model()._meta.get_field("email").max_length,
        help_text="For password resets only; never shown to anyone.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_token"].initial = new_submission_token()
        self.fields["username"].help_text = (
            "Shown publicly beside your comments. Up to 150 letters, digits and "
            ". + - _ (no spaces, no @).")
        _plain_password_words(self, "password1", "password2")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]

    # No check that the email is free: the answer would tell anyone which
    # addresses have accounts. The owner is told by email instead (views.signup).
    # Only an address held from a suspended account that was deleted is refused
    # (accounts.models.HeldName), without saying why.

    def clean_email(self):
        # One spelling for each inbox, as email change and the newsletter keep it
        # (core.mail.mailbox): a password reset can reach "ana"@ or a local part in
        # letters beyond ASCII by no mail server this site sends through.
        email = mailbox(get_user_model().objects.normalize_email(self.cleaned_data["email"]))
        _refuse_held(email)
        return email

    def clean_username(self):
        username = super().clean_username()
        if not username:
            return username  # taken as typed: Django's message says so
        if "@" in username:
            # Shown beside every comment, an address would be public: the reader's
            # own (the email field promises it never is), someone else's, or one
            # that passes for the newsroom's ("newsroom@evadaily.org").
            raise forms.ValidationError(
                "A username cannot contain “@”: it is shown beside your comments, and a "
                "name that looks like an email address would show one to everyone. Please "
                "choose a name without it.", code="at_sign")
        # An accent the name was normalised with (NFKC) is part of its letter ("é");
        # one left apart draws on the letter before it, so it is not blank, but the
        # username validator takes no mark on its own, and a pile of them could
        # hide what the name looks like.
        if any(unicodedata.category(char)[0] == "M" for char in username):
            raise forms.ValidationError(
                "This username has an accent or mark written apart from its letter, or "
                "several stacked on one. Please use letters (with their accents, such as "
                "“é”), digits and ./+/-/_ only.", code="combining_mark")
        if any(map(is_blank_character, username)):
            raise forms.ValidationError(
                "This username contains a character that shows as blank. Please use "
                "letters, digits and ./+/-/_ only.", code="blank_character")
        if mixes_scripts_confusably(username):
            raise forms.ValidationError(
                "This username mixes alphabets with letters that look alike (such as a "
                "Latin “o” and a Cyrillic “о”). Please write it in one alphabet.",
                code="mixed_scripts")
        official = self._official_name_error(username)
        # Whose name it reads as is the more useful answer when a reader has one like
        # it too ("NovaQuill" beside "Nova_Quill"); a role's word, or a sign-in name
        # (which is not said), is not.
        if official is not None and official.code in ("author_name", "staff_name"):
            raise official
        if UsernameSkeleton.objects.looking_like(username).exists():
            raise forms.ValidationError(
                "This username looks too much like one already in use. Please choose "
                "another.", code="look_alike")
        if HeldName.objects.in_force().looking_like(username).exists():
            raise forms.ValidationError(NOT_AVAILABLE, code="held_name")
        if official is not None:
            raise official
        return username

    def _official_name_error(self, username):
        """Why the name reads as the site, a role in its newsroom, an author or someone
        who works there, or any of them together (a ValidationError); or None.

        Readers' names stand beside their comments with nothing else to tell them
        apart: a reader called "EVA_Ledger" (or "EVA_Ledger_AI") under a story by
        the AI persona EVA Ledger, "the-editor", or "editor_IreneSallis" where
        stories name Irene Sallis as their reviewing editor, speaks for the
        newsroom. One check for all of them, so that words from two lists
        ("JonahFerrellEditor") count too. Checked at sign-up only: an author added
        later does not rename the readers who had the name.
        """
        # {text: (kind, what it is)}: the first kind given a text keeps it.
        terms = {word: ("word", word) for word in RESERVED_WORDS}
        full_names, usernames = _staff_names()
        for kind, names in (("word", [settings.SITE_NAME]), ("author", _author_names()),
                            ("staff", full_names), ("login", usernames)):
            for name in names:
                for order in name_orders(name):
                    terms.setdefault(order, (kind, name))
        found = reads_as(username, terms)
        if not found:
            return None
        by_kind = dict(found)  # the last of each kind: "EVA_DAILY_Editor" reads as "editor"
        if by_kind.get("author"):
            return forms.ValidationError(
                "This username reads as the name of %(author)s, who writes for %(site)s: "
                "readers would take your comments for theirs. Please choose another.",
                params={"author": by_kind["author"], "site": settings.SITE_NAME},
                code="author_name")
        if by_kind.get("staff"):
            # Which member of staff is not said.
            return forms.ValidationError(
                "This username reads as the name of someone who works in the %(site)s "
                "newsroom: readers would take your comments for theirs. Please choose "
                "another.", params={"site": settings.SITE_NAME}, code="staff_name")
        if by_kind.get("login"):
            # Said as a held name is: that a name signs in to the newsroom is no one's
            # business (it is where a password would be guessed).
            return forms.ValidationError(NOT_AVAILABLE, code="staff_username")
        return forms.ValidationError(
            "This username reads as “%(word)s”, which is kept for %(site)s and its "
            "newsroom: readers would take your comments for theirs. Please choose "
            "another.", params={"word": by_kind["word"], "site": settings.SITE_NAME},
            code="reserved_name")


def _author_names():
    if not apps.is_installed("authors"):
        return []
    # Looked up by name, not imported: accounts builds on core alone.
    return list(apps.get_model("authors", "Author").objects.values_list("name", flat=True))


# Fewer letters than this in a staff sign-in name make no name to keep for them:
# "jo_news" need not read as a colleague called "jo".
STAFF_USERNAME_MIN_LETTERS = 3


def _staff_names():
    """Who works in the newsroom (staff, or in one of its roles): their full names and
    their sign-in names. A first or last name alone is anyone's: "Irene" is welcome."""
    staff = (get_user_model()._default_manager
             .filter(Q(is_staff=True) | Q(is_superuser=True) | Q(groups__name__in=ROLES))
             .distinct().values_list("username", "first_name", "last_name"))
    full_names, usernames = [], []
    for username, first, last in staff:
        if first.strip() and last.strip():
            full_names.append(f"{first.strip()} {last.strip()}")
        if sum(char.isalpha() for char in username) >= STAFF_USERNAME_MIN_LETTERS:
            usernames.append(username)
    return full_names, usernames


# The sign-in page's message of a refused sign-in (templates/registration/login.html).
SIGN_IN_ERROR_ID = "sign-in-error"


class SignInForm(AuthenticationForm):
    """Django's sign-in form. A username and password that do not match mark both boxes
    invalid, described by the page's message: either may be the one mistyped, and Django
    marked neither."""

    def get_invalid_login_error(self):
        for name in ("username", "password"):
            self.fields[name].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": SIGN_IN_ERROR_ID})
        return super().get_invalid_login_error()


class PlainPasswordChangeForm(RulesOnNewPassword, PasswordChangeForm):
    """Django's password change, with the site's words for what a password needs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Your current password"
        _plain_password_words(self, "new_password1", "new_password2")

    def clean(self):
        # Django changed it to itself and said "Your password was changed".
        cleaned_data = super().clean()
        new = cleaned_data.get("new_password1")
        if new and "old_password" not in self.errors and new == cleaned_data.get("old_password"):
            self.add_error("new_password1", forms.ValidationError(
                "That is your current password: choose a new one.", code="password_unchanged"))
        return cleaned_data


class PlainSetPasswordForm(RulesOnNewPassword, SetPasswordForm):
    """Django's new password after a reset link, with the site's words."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_password_words(self, "new_password1", "new_password2")


class EmailChangeForm(forms.Form):
    """A new address for the account, asked with the password: a session left open on a
    shared computer is not enough to take the account's password resets elsewhere."""

    email = EmailAddressField(
        label="New email address",
        max_length=get_user_model()._meta.get_field("email").max_length,
        help_text="We send a link to it. Nothing changes until you follow that link.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": "Enter the new address for your account."})
    password = forms.CharField(
        label="Your current password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password, so that we know it is you."})

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self):
        # One spelling for each inbox, as the newsletter keeps it (core.mail.mailbox):
        # "ana"@ or İ@ would be a second account's address for one inbox, or none at all.
        email = mailbox(get_user_model().objects.normalize_email(self.cleaned_data["email"]))
        if email.casefold() == self.user.email.casefold():
            raise forms.ValidationError(
                "This is already your account’s email address. Enter the new one.",
                code="same_address")
        # Else a new account could take over the address its suspended maker left.
        _refuse_held(email)
        return email

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="wrong_password")
        return password


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete":
                                                                 "current-password"}))

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
