"""Form pieces the apps share."""

import datetime
import re
import secrets
from datetime import UTC

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.renderers import BaseRenderer, EngineMixin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.module_loading import import_string

from .mail import INVALID_ADDRESS, NOT_ASCII_ADDRESS

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
            raise ValidationError(self.missing, code="no_token")
        return None


# Times typed as the clocks in TIME_ZONE show them (the admin's date and time
# boxes). Django refused any time those clocks show twice, in the hour they go
# back, even one the form itself showed: a story published at the second
# 01:30 on a night in November could not be saved again, whatever was edited,
# nor a correction added during that hour. Such a time is now shown with its
# offset ("01:30:00 -05:00"), which may also be typed; typed without one, it
# is refused with the two to choose from, unless it is the time the form
# showed, which keeps the moment it stood for.

OFFSET = re.compile(
    r"(?P<time>.+?)\s*(?P<sign>[+\-\u2212])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?")


def clock_shows(wall, zone):
    """The moments at which the clocks of zone show wall (a naive datetime): one; two, the
    earlier first, in the hour they go back; none in the hour they skip."""
    first, second = (wall.replace(tzinfo=zone, fold=fold) for fold in (0, 1))
    if first.utcoffset() == second.utcoffset():
        return [first]
    # Either side of a change, fold 0 has the offset from before it, fold 1 the one after.
    return [first, second] if first.utcoffset() > second.utcoffset() else []


def offset_text(moment):
    """A moment's offset from UTC as it is typed after a time: "-05:00"."""
    return moment.strftime("%:z")


def local_time_error(wall, zone):
    """Why wall, typed without an offset, cannot be read in zone, with the offsets to type."""
    first, second = (wall.replace(tzinfo=zone, fold=fold) for fold in (0, 1))
    day, time = f"{wall:%Y-%m-%d}", f"{wall:%H:%M:%S}"
    if first.utcoffset() > second.utcoffset():
        return ValidationError(
            "%(day)s %(time)s happens twice in %(zone)s, as the clocks go back. Type its "
            "offset after the time: “%(time)s %(first)s” for the first, before the clocks go "
            "back, or “%(time)s %(second)s” for the second.", code="ambiguous_time",
            params={"day": day, "time": time, "zone": zone, "first": offset_text(first),
                    "second": offset_text(second)})
    # In the hour skipped, fold 0 reads the time with the offset from before the change.
    after, before = (timezone.localtime(moment.astimezone(UTC), zone)
                     for moment in (first, second))
    return ValidationError(
        "%(day)s %(time)s never happens in %(zone)s: the clocks go forward over it. Give "
        "another time, or type an offset after it: “%(time)s %(first)s” is %(after)s, after the "
        "change, and “%(time)s %(second)s” is %(before)s, before it.", code="missing_time",
        params={"day": day, "time": time, "zone": zone, "first": offset_text(first),
                "second": offset_text(second), "after": date_format(after, "g:i A"),
                "before": date_format(before, "g:i A")})


class OffsetTimeField(forms.TimeField):
    """A time, with an offset from UTC after it when one is typed ("01:30:00 -05:00")."""

    def to_python(self, value):
        match = OFFSET.fullmatch(value.strip()) if isinstance(value, str) else None
        if match is None:
            return super().to_python(value)
        hours, minutes = int(match["hours"]), int(match["minutes"] or 0)
        if hours > 23 or minutes > 59:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        offset = datetime.timedelta(hours=hours, minutes=minutes)
        time = super().to_python(match["time"])
        return time.replace(tzinfo=datetime.timezone(offset if match["sign"] == "+" else -offset))


class LocalTimesShown:
    """A split date-and-time widget that shows a time the clocks show twice with its offset."""

    def decompress(self, value):
        day, time = super().decompress(value)
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            local = timezone.localtime(value)
            if len(clock_shows(local.replace(tzinfo=None), local.tzinfo)) > 1:
                time = f"{time:%H:%M:%S} {offset_text(local)}"
        return [day, time]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        time = context["widget"]["subwidgets"][1]
        if time["type"] != "hidden" and len(str(time["value"] or "")) > 8:
            # Wide enough for its offset: Django's admin box holds eight characters.
            time["attrs"]["size"] = len(time["value"])
        return context


class LocalSplitDateTimeWidget(LocalTimesShown, forms.SplitDateTimeWidget):
    pass


class LocalSplitHiddenDateTimeWidget(LocalTimesShown, forms.SplitHiddenDateTimeWidget):
    pass


class LocalDateTimeField(forms.SplitDateTimeField):
    """A date and a time as the clocks in TIME_ZONE show them (see above).

    The time may carry an offset (OffsetTimeField). Without one, a time the
    clocks show twice is read as the moment the form showed when it is that
    time (unchanged), and otherwise refused, as a time they skip is, with the
    offsets to choose from.
    """

    widget = LocalSplitDateTimeWidget
    hidden_widget = LocalSplitHiddenDateTimeWidget

    def __init__(self, *, input_date_formats=None, input_time_formats=None, **kwargs):
        errors = {**self.default_error_messages, **kwargs.get("error_messages", {})}
        localize = kwargs.get("localize", False)
        fields = (forms.DateField(input_formats=input_date_formats, localize=localize,
                                  error_messages={"invalid": errors["invalid_date"]}),
                  OffsetTimeField(input_formats=input_time_formats, localize=localize,
                                  error_messages={"invalid": errors["invalid_time"]}))
        forms.MultiValueField.__init__(self, fields, **kwargs)
        self.bound_field = None

    def get_bound_field(self, form, field_name):
        # What the form showed is the bound field's initial value (compress).
        self.bound_field = super().get_bound_field(form, field_name)
        return self.bound_field

    def compress(self, data_list):
        if not data_list:
            return None
        day, time = data_list
        if day in self.empty_values:
            raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if time in self.empty_values:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        shown = self.bound_field.initial if self.bound_field is not None else None
        return self.moment(day, time, shown)

    def moment(self, day, time, shown=None):
        """The moment a date and a time stand for; shown, the one the form showed."""
        wall = datetime.datetime.combine(day, time)
        if time.tzinfo is not None or not settings.USE_TZ:
            return wall
        zone = timezone.get_current_timezone()
        moments = clock_shows(wall, zone)
        if len(moments) == 1:
            return moments[0]
        if (isinstance(shown, datetime.datetime) and timezone.is_aware(shown)
                and timezone.localtime(shown, zone).replace(tzinfo=None) == wall):
            return shown
        raise local_time_error(wall, zone)

    def has_changed(self, initial, data):
        """Whether data stands for another moment than initial (a datetime, or the parts the
        hidden initial sent)."""
        if self.disabled:
            return False
        try:
            before = self._from_parts(initial)
            after = self._from_parts(data, before)
        except ValidationError:
            return True
        if before is None or after is None:
            return before is not after
        return before.astimezone(UTC) != after.astimezone(UTC)

    def _from_parts(self, value, shown=None):
        if value is None or isinstance(value, datetime.datetime):
            return value
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        day, time = (self.fields[0].to_python(value[0]), self.fields[1].to_python(value[1]))
        if day is None and time is None:
            return None
        if day is None or time is None:
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        return self.moment(day, time, shown)


# A form sent back with errors (settings.FORM_RENDERER) ---------------------------------


def first_invalid_field(form):
    """The name of the first field shown of a refused form that has an error; else None."""
    if not form.is_bound or not form.errors:
        return None
    return next((field.name for field in form.visible_fields() if field.errors), None)


def errors_off_fields(form):
    """Whether form was refused for an error on no field shown: one on the whole form ("Your
    username and password didn't match"), or a hidden token's. The page's summary of the
    errors then takes the focus (autofocus), and no field has it."""
    return bool(getattr(form, "is_bound", False) and form.errors
                and first_invalid_field(form) is None)


def summary_takes_focus(form):
    """errors_off_fields(form), for a page that then gives its summary the focus: its
    fields, drawn after it, leave theirs (ErrorFocusBoundField). A page with no such
    summary (the admin's sign-in) keeps the field's own autofocus."""
    takes = errors_off_fields(form)
    if takes:  # a form, then: the page may have none (a reader signed out meanwhile)
        form._summary_has_focus = True
    return takes


class ErrorFocusBoundField(BoundField):
    """A field as every form of the site draws it. In a form sent back with errors the first
    invalid field has autofocus, and no other: the page opens on what to correct, read with
    its error (Django's aria-invalid and aria-describedby). Django's sign-in and sign-up
    forms kept it on the username, whatever was wrong, and the others opened at the top,
    far from the field."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.form.is_bound and self.form.errors:
            first = first_invalid_field(self.form)
            if first is not None or getattr(self.form, "_summary_has_focus", False):
                # False leaves the attribute out, the widget's own too.
                attrs["autofocus"] = self.name == first
        return attrs

    @cached_property
    def subwidgets(self):
        # Radio buttons or checkboxes drawn one by one: the first of them has it.
        widgets = BoundField.subwidgets.func(self)
        for widget in widgets[1:]:
            if widget.data["attrs"].get("autofocus"):
                widget.data["attrs"]["autofocus"] = False
        return widgets


class SiteFormRenderer(EngineMixin, BaseRenderer):
    """Django's renderer, with ErrorFocusBoundField for every form's fields, on the engine
    that renders the site's templates (TEMPLATE_ENGINE).

    Django's own renderer makes templates with Django's engine whatever TEMPLATES
    says. django-rust-templates makes its templates through a switch it turns for
    the whole process while it reads one, so in a threaded worker a form's template
    read by Django's engine at that moment came out as the other engine's, refused:
    the comments page answered 500 in every request once it had happened.
    """

    bound_field_class = ErrorFocusBoundField

    @property
    def backend(self):
        return import_string(settings.TEMPLATES[0]["BACKEND"])


class EmailAddressField(forms.EmailField):
    """Django's EmailField for an address the site sends mail to, saying one thing wrong at
    a time, in the same words on every form.

    Its validators all run and all speak: an address too long for the field
    and malformed as well got "Enter an email address…" and "Ensure this value
    has at most 254 characters…" together. The first that refuses (the
    address's form, then its length) is said alone. Letters beyond ASCII
    before the @ ("jürgen@", "bøb@") are said first, with why (core.mail.
    mailbox() refuses them): Django's validator refused most of them as "not a
    valid address", which to their owner it is.
    """

    default_error_messages = {"invalid": INVALID_ADDRESS}

    def widget_attrs(self, widget):
        # Every such field asks for the reader's own address (sign-up, email change, the
        # newsletter, a bias report's contact), so the browser may fill it in: WCAG 1.3.5.
        # Sign-up's and the bias report's fields had no autocomplete at all.
        return {**super().widget_attrs(widget), "autocomplete": "email"}

    def run_validators(self, value):
        local = value.rpartition("@")[0] if value else ""
        if not local.isascii() and not local.startswith('"'):
            raise ValidationError(NOT_ASCII_ADDRESS, code="not_ascii")
        try:
            super().run_validators(value)
        except ValidationError as error:
            raise ValidationError(error.error_list[:1]) from None
