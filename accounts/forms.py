from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from core.text import is_blank_character

from .models import UsernameSkeleton
from .usernames import mixes_scripts_confusably


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        label="Email", help_text="For password resets only; never shown to anyone.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]

    # No check that the email is free: the answer would tell anyone which
    # addresses have accounts. The owner is told by email instead (views.signup).

    def clean_username(self):
        username = super().clean_username()
        if not username:
            return username  # taken as typed: Django's message says so
        if any(map(is_blank_character, username)):
            raise forms.ValidationError(
                "This username contains a character that shows as blank. Please use "
                "letters, digits and @/./+/-/_ only.", code="blank_character")
        if mixes_scripts_confusably(username):
            raise forms.ValidationError(
                "This username mixes alphabets with letters that look alike (such as a "
                "Latin “o” and a Cyrillic “о”). Please write it in one alphabet.",
                code="mixed_scripts")
        if UsernameSkeleton.objects.looking_like(username).exists():
            raise forms.ValidationError(
                "This username looks too much like one already in use. Please choose "
                "another.", code="look_alike")
        return username


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
