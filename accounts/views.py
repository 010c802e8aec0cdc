import string
from functools import reduce
from operator import or_
from urllib.parse import urlsplit

from axes.helpers import get_client_ip_address
from axes.utils import reset as reset_lockout
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction
from django.db.models import PROTECT, RESTRICT, Exists, ProtectedError, Q
from django.db.models.deletion import Collector
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.tasks import task
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve, reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.encoding import force_bytes
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from core import hooks, ratelimit
from core.forms import SUBMISSION_TOKEN_PATTERN, EmailAddressField
from core.honeypot import HONEYPOT_REFUSAL, honeypot_filled
from core.mail import PRIORITY_NOTICE, as_typed, mailbox, send_rendered, sends_mail
from core.middleware import takes
from core.roles import ROLES
from core.rowlocks import still_there

from . import email_change
from .forms import (
    DeleteAccountForm,
    EmailChangeForm,
    PlainPasswordChangeForm,
    PlainSetPasswordForm,
    SignInForm,
    SignupForm,
)
from .models import ProvenEmail, kept_as_stored
from .notices import queue_notice, quoted_names
from .sessions import end_sessions, other_sessions
from .signals import admin_record

# Every sign-up attempt counts, refused ones too: a refused form is how one
# would probe which usernames exist.
SIGNUP_LIMITS = (ratelimit.Limit("signup-hourly", 5, 3600),)
# Emails that sign-ups send one inbox (a welcome, or a notice to its accounts), whoever
# signs up and from wherever: past them the account is made, only the email held back.
SIGNUP_EMAIL_LIMITS = (ratelimit.Limit("signup-email-hourly", 3, 3600),)
PASSWORD_RESET_ADDRESS_LIMITS = (ratelimit.Limit("password-reset-hourly", 5, 3600),)
PASSWORD_RESET_EMAIL_LIMITS = (ratelimit.Limit("password-reset-email-hourly", 3, 3600),)
# Every request counts, refused ones too: each one checks the password.
EMAIL_CHANGE_LIMITS = (ratelimit.Limit("email-change-hourly", 5, 3600),)
# Emails to one new address, whoever asks: nobody can flood an inbox from many accounts.
EMAIL_CHANGE_ADDRESS_LIMITS = (ratelimit.Limit("email-change-email-hourly", 3, 3600),)
# Forms that ask for the account's password (password change, deletion), together,
# per account: whoever holds a session, from however many addresses, cannot guess
# the password at leisure. Every request counts, refused ones too; ten leaves room
# for new passwords the validators turn down. The owner locked out of these by
# someone else can still choose a new password by email.
PASSWORD_CHECK_LIMITS = (ratelimit.Limit("password-check-hourly", 10, 3600),)
PASSWORD_CHECK_TOO_MANY = ("We check an account’s password at most ten times an hour, so "
                           "that nobody can guess it. You can try again in {wait}.")
PASSWORD_CHECK_UNAVAILABLE = ("We can't check passwords for a moment. Please try again in a "
                              "minute.")
UNAVAILABLE = ("We can't take posts for a moment; what you typed is still here. "
               "Please try again in a minute.")
# A reset asked for an address that has had as many emails as it gets in an hour, from
# the reset form (PASSWORD_RESET_EMAIL_LIMITS) or from every form (INBOX_LIMITS).
INBOX_FULL = ("We have sent that address as many emails as we send it in an hour. You can "
              "ask again in {wait}; your address is still here.")


def _safe_next(request, default="/"):
    """Where ?next= (or the form's next) asks to go, if it is a path on this site.

    Our pages only ever send a path (request.get_full_path()). Anything else,
    another site's address or a word such as "abc", which redirect() would
    take for a view's name, goes to default.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and urlsplit(target).path != request.path:  # back here would go round in a loop
        return target
    return default


class LoginView(auth_views.LoginView):
    """Django's sign-in, which sends a reader already signed in where ?next= says.

    A ?next= that is this page itself would send them round in a loop;
    Django raised an error for it (a 500 from a link anyone can send), and a
    query string after it made a loop of redirects. They go home instead.
    """

    redirect_authenticated_user = True
    form_class = SignInForm

    def get_redirect_url(self):
        target = super().get_redirect_url()
        return "" if target and urlsplit(target).path == self.request.path else target


@never_cache
def signup(request):
    """A reader account: username, email and a password Django's validators accept."""
    if request.user.is_authenticated:
        return HttpResponseRedirect(_safe_next(request))
    form = SignupForm(request.POST or None)
    context = {"form": form, "next": _safe_next(request, "")}
    if request.method == "POST":
        made = _account_made_by_this_form(request)
        if made is not None:
            return _signed_up(request, made)  # a twin, answered as the first send was
        refused = ratelimit.check(
            SIGNUP_LIMITS, ratelimit.address_key(request),
            "We accept at most five sign-up attempts an hour from one connection. You can "
            "try again in {wait}; what you typed is still here, except the password.",
            UNAVAILABLE)
        if refused:
            return _signup_not_now(request, context, refused)
    if honeypot_filled(request.POST):
        return render(request, "registration/signup.html",
                      {**context, "notice": HONEYPOT_REFUSAL}, status=400)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                # Before the commit: a twin waiting to save the same name finds it then.
                _remember_form(request, user)
                # An address already in use is not refused (that would tell anyone
                # it has an account); its owners hear of the new account instead.
                owners = list(get_user_model().objects.filter(
                    email__iexact=user.email, is_active=True).exclude(pk=user.pk))
                # Either way one email goes out, so the time taken tells nothing either;
                # past the inbox's allowance none does, and the page is the same.
                if _may_email(user.email):
                    transaction.on_commit(lambda: _tell_owners(owners) if owners
                                          else _welcome(user))
        except IntegrityError:
            # Another request saved the name between this one's check and its save:
            # this form's twin (a double click), or someone else's form.
            made = _account_made_by_this_form(request)
            if made is not None:
                return _signed_up(request, made)
            username = form.cleaned_data["username"]
            if not get_user_model()._default_manager.filter(username=username).exists():
                raise
            form.add_error("username", form.instance.unique_error_message(
                get_user_model(), ["username"]))
            return render(request, "registration/signup.html", context, status=400)
        return _signed_up(request, user)
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/signup.html", context, status=status)


# The pages a new reader's welcome is shown on (includes/notices.html): the account
# page, and a story's comments, where signing up to comment leads back to. Any other
# page (the home page, a section) is the same for everyone and shows no notice: the
# welcome waited there, unseen, and was read out in a story's comments days later.
WELCOMING_PAGES = {"accounts:account", "articles:detail", "comments:list"}


def _signed_up(request, user):
    """Signed in to the new account, and sent where ?next= says or to the account page."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    target = _safe_next(request, default=reverse("accounts:account"))
    try:
        page = resolve(urlsplit(target).path).view_name
    except Resolver404:
        page = None
    if page in WELCOMING_PAGES:
        messages.success(request, f"Welcome, {user.get_username()}. You can comment now.")
    return HttpResponseRedirect(target)


# A sign-up form sent twice (a double click) made its account with the first send; the
# browser shows the answer to the second, which was "A user with that username already
# exists". The account a form's token made, with the name typed, is kept this long
# (seconds) for its twin to be answered as the first send was: signed in to it. The
# token is in that browser's page alone, and the password is never compared: another
# person who chose the same name and password is refused as before.
SIGNUP_TWIN_SECONDS = 300


def _form_key(request):
    """The security cache's key for the account this sign-up form made, or None (no token)."""
    token = request.POST.get("submission_token", "")
    if not SUBMISSION_TOKEN_PATTERN.fullmatch(token):
        return None
    return "signup-form:" + ratelimit.fingerprint(f"{token} {request.POST.get('username', '')}")


def _remember_form(request, user):
    key = _form_key(request)
    if key is None:
        return
    try:
        caches["security"].set(key, user.pk, SIGNUP_TWIN_SECONDS)
    except ratelimit.Unavailable:
        pass  # the account is made all the same; a twin is then told the name is taken


def _account_made_by_this_form(request):
    """The active account an earlier send of this very form made (the same token and
    name, committed, within SIGNUP_TWIN_SECONDS), or None."""
    key = _form_key(request)
    if key is None:
        return None
    try:
        pk = caches["security"].get(key)
    except ratelimit.Unavailable:
        return None
    if pk is None:
        return None
    return get_user_model()._default_manager.filter(pk=pk, is_active=True).first()


def _signup_not_now(request, context, refused):
    """The form as typed (passwords aside) without checking it: nothing was tried."""
    form = SignupForm(initial={name: request.POST.get(name, "") for name in ("username", "email")})
    return ratelimit.refusal(request, "registration/signup.html", {**context, "form": form},
                             refused)


def _may_email(email):
    """Use one of the inbox's sign-up emails (SIGNUP_EMAIL_LIMITS) and one of the
    allowance every form shares (INBOX_LIMITS): whether one may go."""
    try:
        return not ratelimit.acquire_inbox(SIGNUP_EMAIL_LIMITS, email)
    except ratelimit.Unavailable:
        return False  # nothing goes out uncounted; the account is made all the same


def _welcome(user):
    """Confirm a new account to its address, which no other account uses."""
    queue_notice([user], "registration/welcome_subject.txt", "registration/welcome_email.txt")


def _tell_owners(owners):
    """Tell the accounts that share the new account's email that it was created: one email."""
    queue_notice(owners, "registration/email_in_use_subject.txt",
                 "registration/email_in_use_email.txt")


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with one email to the address queued for the task worker.

    One email, whatever the number of accounts on the address: each is named in
    it with its own link, so the limit on requests per address (views.
    PASSWORD_RESET_EMAIL_LIMITS) is also the limit on what its inbox gets. The
    queue holds the accounts and the address, not the links: the worker makes
    the tokens when it sends, so no live reset link sits in the database. The
    links are on SITE_URL, as in every other email: Django would take the
    request's host, port and scheme, which whoever asks can choose (ALLOWED_HOSTS
    does not look at the port).
    """

    # Said as on every form that takes an address (core.forms.EmailAddressField).
    email = EmailAddressField(label="Email", max_length=254,
                              widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def get_users(self, email):
        """Django's accounts for the address as sign-up keeps it (core.mail.mailbox:
        jurgen@bücher.example is kept as jurgen@xn--bcher-kva.example) and as typed
        (the admin keeps an address as it is given)."""
        spellings = {email}
        try:
            spellings.add(mailbox(get_user_model().objects.normalize_email(email)))
        except ValidationError:
            pass  # no address mail can go to: sign-up would not have kept it
        found = {user.pk: user for spelling in spellings for user in super().get_users(spelling)}
        return list(found.values())

    def save(self, **kwargs):
        site = urlsplit(settings.SITE_URL)
        users = self.get_users(self.cleaned_data["email"])
        # One email for each address as the accounts keep it: one, unless some were
        # kept in another spelling (bücher, xn--bcher-kva), when the worker could not
        # tell that they match.
        by_address = {}
        for user in users:
            by_address.setdefault(user.email.casefold(), []).append(user)
        for accounts in by_address.values():
            send_password_reset.enqueue(email=accounts[0].email, domain=site.netloc,
                                        protocol=site.scheme,
                                        user_ids=[user.pk for user in accounts])


RESET_SUBJECT = "registration/password_reset_subject.txt"
RESET_EMAIL = "registration/password_reset_email.txt"


@task(priority=PRIORITY_NOTICE)
@sends_mail
def send_password_reset(email, domain, protocol, user_ids=(), user_id=None):
    """Email a reset link for each of the accounts that, now as when it was asked, use the
    address and may reset by email. (user_id: a task queued before one email covered
    every account on an address.)"""
    users = get_user_model()._default_manager.filter(
        pk__in=user_ids or [user_id], is_active=True).order_by("username")
    accounts = [{"user": user, "uid": urlsafe_base64_encode(force_bytes(user.pk)),
                 "token": default_token_generator.make_token(user)}
                for user in users
                if user.has_usable_password() and user.email.casefold() == email.casefold()]
    if not accounts:
        return "not sent: the accounts changed since the reset was asked for"
    context = {"email": email, "domain": domain, "site_name": domain, "protocol": protocol,
               "accounts": accounts, "names": quoted_names(a["user"] for a in accounts)}
    send_rendered(RESET_SUBJECT, RESET_EMAIL, context, email)
    return f"sent for {len(accounts)} account(s)"


# Like every accounts page, never kept (no-store): Django's own view is not.
@method_decorator(never_cache, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, limited per connection and per address asked for."""

    form_class = QueuedPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")
    subject_template_name = RESET_SUBJECT
    email_template_name = RESET_EMAIL

    def post(self, request, *args, **kwargs):
        if honeypot_filled(request.POST):
            return self.render_to_response(
                self.get_context_data(form=self.get_form(), notice=HONEYPOT_REFUSAL),
                status=400)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Per email too, so that nobody floods one inbox from many connections;
        # the same whether or not an account uses the address, which stays secret.
        too_many = ("Too many reset links have been asked for. You can ask again in {wait}; "
                    "your address is still here.")
        email = form.cleaned_data["email"]
        refused = (ratelimit.check(PASSWORD_RESET_ADDRESS_LIMITS,
                                   ratelimit.address_key(self.request), too_many, UNAVAILABLE)
                   or ratelimit.check_inbox(PASSWORD_RESET_EMAIL_LIMITS, email, INBOX_FULL,
                                            UNAVAILABLE))
        if refused:
            return ratelimit.refusal(self.request, self.get_template_names(),
                                     self.get_context_data(form=form), refused)
        return super().form_valid(form)


NEWSROOM_ACCOUNT = ("This is a newsroom account, so it cannot be deleted here: its work in the "
                    "admin and its moderation decisions stay on the record under its name. "
                    "Ask the newsroom's administrator to deactivate it instead.")


def _newsroom_account(user):
    """Whether user works in the newsroom (staff, or in one of its roles, core.roles).

    Deleting such an account would take its admin history with it and leave its
    moderation decisions unsigned, so it is deactivated instead, by an administrator.
    """
    return (user.is_staff or user.is_superuser
            or user.groups.filter(name__in=ROLES).exists())


@never_cache
@login_required
def account(request):
    """The reader's own page: their details, then what other apps keep for them (core.hooks)."""
    return render(request, "accounts/account.html", _account_context(request))


def _account_context(request):
    sections = [section for provider in hooks.account_sections
                if (section := provider(request)) is not None]
    if _newsroom_account(request.user):
        kept = NEWSROOM_ACCOUNT
    elif _may_be_on_the_record(request.user) and (named := _named_on_the_record(request.user)):
        kept = KEPT_ON_THE_RECORD.format(named=named)
    else:
        kept = ""
    return {"sections": sections,
            "other_sessions": other_sessions(request.user, request.session.session_key),
            "not_deleted_here": kept}


# A copy reads every row the account has in every app: a few an hour is all a reader needs.
EXPORT_LIMITS = (ratelimit.Limit("account-export-hourly", 5, 3600),)
EXPORT_TOO_MANY = ("You can download your data five times an hour. You can download it "
                   "again in {wait}.")
EXPORT_UNAVAILABLE = "We can't make your copy for a moment. Please try again in a minute."


@never_cache
@login_required
@takes("GET", "HEAD")
def export_data(request):
    """The reader's own copy of what the site keeps for their account, as one JSON file:
    their details, then what each other app keeps for them (core.hooks.account_data).

    Not the password (only its hash is kept, and that is no use to anyone), nor what the
    site keeps about the connections the account used (keyed hashes of addresses).
    """
    refused = ratelimit.check(EXPORT_LIMITS, f"account:{request.user.pk}", EXPORT_TOO_MANY,
                              EXPORT_UNAVAILABLE)
    if refused:
        return ratelimit.refusal(request, "accounts/account.html", _account_context(request),
                                 refused)
    user = request.user
    now = timezone.now()
    data = {"site": settings.SITE_NAME, "address": settings.SITE_URL, "made_at": now,
            "account": {"username": user.get_username(), "email": user.email,
                        "joined_at": user.date_joined, "last_signed_in_at": user.last_login}}
    for provider in hooks.account_data:
        data.update(provider(user) or {})
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = (
        f'attachment; filename="eva-daily-your-data-{now:%Y-%m-%d}.json"')
    return response


@never_cache
@login_required
@require_POST
def end_other_sessions(request):
    """Sign the account out of every browser but this one: a shared computer left signed
    in, a phone lost. The account page says how many there were."""
    with transaction.atomic():
        ended = other_sessions(request.user, request.session.session_key)
        end_sessions(request.user, keep=request.session.session_key)
    if ended:
        messages.success(request, f"Signed out of {ended} other browser{pluralize(ended)}.")
    else:
        messages.info(request, "You were signed in in no other browser.")
    return redirect("accounts:account")  # its notice, at the top, says how many


def password_check_refused(request):
    """Use one of the account's password checks: None, or why the form is not checked now."""
    return ratelimit.check(PASSWORD_CHECK_LIMITS, f"account:{request.user.pk}",
                           PASSWORD_CHECK_TOO_MANY, PASSWORD_CHECK_UNAVAILABLE)


class LogoutView(auth_views.LogoutView):
    """Django's sign-out, which takes POST only; a GET (a bookmark, a typed address) shows
    a signed-in reader a button that signs out, and sends anyone else home."""

    http_method_names = ["get", "head", "post", "options"]
    template_name = "registration/logout.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(_safe_next(request))
        return self.render_to_response(self.get_context_data())


@method_decorator(never_cache, name="dispatch")  # as PasswordResetView
class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, in the site's look (the admin keeps its own templates),
    with the account's password checks limited (PASSWORD_CHECK_LIMITS)."""

    form_class = PlainPasswordChangeForm
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def post(self, request, *args, **kwargs):
        refused = password_check_refused(request)
        if refused:
            # Every field is a password, and passwords are never sent back: an empty form.
            form = self.get_form_class()(request.user)
            return ratelimit.refusal(request, self.get_template_names(),
                                     self.get_context_data(form=form), refused)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        with transaction.atomic():
            if not still_there(form.user, hold="NO KEY UPDATE"):
                return _password_not_saved(self, form, PASSWORD_NOT_CHANGED)
            kept_as_stored(form.user)  # an administrator's change meanwhile kept
            return super().form_valid(form)


# The account was deleted (by its reader elsewhere, or in the admin) while the password was
# being saved: held first as its deletion holds it (FOR NO KEY UPDATE), the save waited
# for the deletion, found no row to update, and Django's save() inserted one, the deleted
# account back with the new password.
PASSWORD_NOT_CHANGED = "Your password was not changed: your account has been deleted."
PASSWORD_NOT_SET = "The password was not set: this account has been deleted."


def _password_not_saved(view, form, notice):
    """The form again, saying the account was deleted meanwhile (passwords are never sent
    back)."""
    form.add_error(None, notice)
    return view.render_to_response(view.get_context_data(form=form), status=403)


@method_decorator(never_cache, name="dispatch")  # as PasswordResetView
class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new password from a reset link, which also lifts the account's sign-in
    lock-out: following the link proves the inbox (kept as models.ProvenEmail), and the
    page that follows says to sign in with the new password.

    axes counts failures per username and address, and its cache handler can clear
    them only for a pair it is given: the one here, where the reset was made (the
    account's lock-outs from other addresses, and the limit per address, stay).
    """

    form_class = PlainSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if self.validlink or not isinstance(response, TemplateResponse):
            return response
        # Django answers a link it cannot use with 200, as if the page were the form; this
        # site's other emailed links (an email change's, the newsletter's) say 400 when the
        # link is not whole and 410 when it was whole but is spent, and so does this one.
        broken = not self._whole(kwargs["token"])
        response.context_data["broken"] = broken
        response.status_code = 400 if broken else 410
        return response

    def _whole(self, token):
        """Whether the link is as the email gave it: its account is there, and its token is
        the reset page's own (the link was opened) or one this site makes, cut nowhere."""
        if self.user is None:
            return False
        if token == self.reset_url_token:
            return True
        # Django's tokens: a time in base 36, "-", then a hex digest of a fixed length.
        stamp, _, mac = token.partition("-")
        made = self.token_generator.make_token(self.user).partition("-")[2]
        return (0 < len(stamp) <= 13 and set(stamp) <= set(string.digits + string.ascii_lowercase)
                and len(mac) == len(made) and set(mac) <= set(string.hexdigits.lower()))

    def form_valid(self, form):
        with transaction.atomic():
            if not still_there(form.user, hold="NO KEY UPDATE"):
                return _password_not_saved(self, form, PASSWORD_NOT_SET)
            kept_as_stored(form.user)
            response = super().form_valid(form)
        # Django's token covers the account's address: the link went to this one.
        ProvenEmail.record(form.user)
        try:
            reset_lockout(ip=get_client_ip_address(self.request),
                          username=form.user.get_username())
        except ratelimit.Unavailable:
            pass  # the password is changed; the lock-out ends by itself
        return response


ACCOUNT_DELETED = "accounts:deleted"  # session key: the deletion's confirmation, shown once
# Why an account on the record is not deleted, by the model whose rows keep it (rows that
# PROTECT it, and the newsroom's record, signals.NEWSROOM_RECORD).
ON_THE_RECORD = {
    "articles.Article": "named as the reviewing editor of published stories",
    "comments.ModerationAction": "named as the moderator of decisions in the moderation log",
    "admin.LogEntry": "named in the admin's record of changes",
    "articles.HistoricalArticle": "named as the editor of story revisions",
    "standards.HistoricalCorrection": "named as the editor of correction revisions",
}


def on_the_record(user, rows=()):
    """Why user cannot be deleted because the newsroom's record names it (a former editor or
    moderator), in the words the deletion page says it with; "" if nothing keeps it.

    What refuses the deletion itself: the rows whose foreign keys PROTECT the account, as
    Django's Collector finds them when it deletes, and the newsroom's record
    (signals.keep_admin_record). Asked when the page is opened, so that an account that
    cannot be deleted is not first asked for its password; rows: any more found keeping it
    (a ProtectedError's).
    """
    named = _named_on_the_record(user, rows)
    if not named:
        return ""
    return (f"This account is {named}, so it cannot be deleted here. Ask the "
            f"newsroom's administrator to deactivate it instead.")


def _named_on_the_record(user, rows=()):
    """How the newsroom's record names user ("named as the editor of story revisions and
    ..."), or "" (on_the_record)."""
    rows = [*rows, *(row for named, *_ in admin_record([user]) for row in named[:1])]
    try:
        Collector(using=router.db_for_write(get_user_model())).collect([user])
    except ProtectedError as error:
        rows += error.protected_objects
    return " and ".join(sorted({ON_THE_RECORD.get(row._meta.label,
                                                  "named on the newsroom's record")
                                for row in rows}))


def _may_be_on_the_record(user):
    """Whether the newsroom's record, or a row that PROTECTs the account itself (a story it
    reviewed, a moderation decision), names user: one query, for the account page, which
    then asks _named_on_the_record() how. Rows further off that keep it (a protected row of a
    row it takes with it) are found only by the deletion page."""
    model = get_user_model()
    keeping = [rows for rows, *_ in admin_record([user])]
    for field in model._meta.get_fields(include_hidden=True):
        if (field.auto_created and not field.concrete
                and getattr(field, "on_delete", None) in (PROTECT, RESTRICT)):
            keeping.append(field.related_model._base_manager.filter(
                **{field.field.name: user.pk}))
    if not keeping:
        return False
    return model._default_manager.filter(
        reduce(or_, (Q(Exists(rows)) for rows in keeping)), pk=user.pk).exists()


# The account page's words for an account the newsroom's record keeps (on_the_record): a
# former editor or moderator, out of the newsroom, whom the deletion page would only refuse.
KEPT_ON_THE_RECORD = ("Your account is kept on the newsroom's record: it is {named}, so it "
                      "cannot be deleted. The newsroom's administrator can deactivate it "
                      "instead: a deactivated account can no longer sign in and is signed out "
                      "of every browser, and its name stays on the record.")


@never_cache
@login_required
def delete_account(request):
    """Delete the reader's account and personal data; comments stay, from "a former reader".

    A newsroom account, or one the newsroom's record names, is told so when it opens the
    page, with no form: an administrator deactivates it instead.
    """
    if _newsroom_account(request.user):
        return render(request, "registration/delete_account.html",
                      {"newsroom": NEWSROOM_ACCOUNT},
                      status=403 if request.method == "POST" else 200)
    if named := on_the_record(request.user):
        return render(request, "registration/delete_account.html",
                      {"newsroom": named}, status=400 if request.method == "POST" else 200)
    if request.method == "POST" and (refused := password_check_refused(request)):
        return ratelimit.refusal(request, "registration/delete_account.html",
                                 {"form": DeleteAccountForm(request.user)}, refused)
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        try:
            with transaction.atomic():
                # Locked before its rows are looked for: a comment or report being stored
                # for the account in another browser is stored first, and found, or waits
                # and is refused (signals.account_held). Stored between the look and the
                # deletion, it failed the deletion at its commit (a 500).
                accounts = get_user_model()._default_manager
                accounts.select_for_update(no_key=True).filter(pk=user.pk).exists()
                # Addresses left on bias reports, the account's emails in the task
                # queue and its sessions in other browsers go with it, however it is
                # deleted (accounts.signals).
                user.delete()
        except ProtectedError as error:
            # Put on the record since the page looked (a story reviewed in another tab).
            named = on_the_record(user, error.protected_objects)
            return render(request, "registration/delete_account.html", {"newsroom": named},
                          status=400)
        logout(request)
        # The new, empty session carries one flag to the page that says it is done
        # (the front page is the same for everyone, and shows no personal notice).
        request.session[ACCOUNT_DELETED] = True
        return redirect("accounts:deleted")
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/delete_account.html", {"form": form}, status=status)


@never_cache
@takes("GET", "HEAD")
def account_deleted(request):
    """Said once, to the browser that deleted the account; anyone else goes to the front page."""
    if not request.session.pop(ACCOUNT_DELETED, False):
        return redirect("/")
    return render(request, "registration/account_deleted.html")


# Session key: the "check your inbox" page; the address until it is shown, then True.
EMAIL_CHANGE_SENT_TO = "accounts:email-change-sent-to"
EMAIL_CHANGE_BAD_LINK = {
    "broken": (400, "This link does not work",
               "The link is incomplete or was changed. Copy the whole link from the email, "
               "or ask for a new one from your account page."),
    "expired": (410, "This link has expired",
                f"Links to confirm a new email address work for {email_change.LINK_DAYS} "
                f"days, so this one changed nothing. To change your account’s address, "
                f"ask again from your account page."),
    "gone": (410, "This link no longer works",
             "The account it was sent for has been deleted or closed, so nothing was "
             "changed."),
    "done": (410, "This link has been used",
             "Your account already uses this email address. There is nothing more to do."),
    "stale": (410, "This link no longer works",
              "Your account’s email address or password has changed since the link was "
              "sent, so it changed nothing. To change the address, ask again from your "
              "account page."),
    "taken": (409, "Another account uses this address",
              "Since the link was sent, this email address has come to belong to another "
              "account, so it cannot be moved to yours. Nothing was changed. To use that "
              "account, choose a new password for it from the sign-in page."),
}


def _email_change_notes(user):
    """What other apps keep by email address, and what a change means for it (core.hooks)."""
    return [note for provider in hooks.email_change_notes if (note := provider(user))]


@never_cache
@login_required
@sensitive_post_parameters("password")
def change_email(request):
    """Ask for a new address, with the password; a link to the new address makes the change."""
    form = EmailChangeForm(request.user, request.POST if request.method == "POST" else None)
    context = {"form": form, "notes": _email_change_notes(request.user)}
    if request.method == "POST":
        refused = ratelimit.check(
            EMAIL_CHANGE_LIMITS, ratelimit.address_key(request),
            "We accept at most five requests to change the email address an hour from one "
            "connection. You can try again in {wait}; the address you typed is still here.",
            UNAVAILABLE)
        if refused:
            return _email_change_not_now(request, context, refused)
        if honeypot_filled(request.POST):
            return render(request, "accounts/email_change_form.html",
                          {**context, "notice": HONEYPOT_REFUSAL}, status=400)
        # The form checks the password: one of the checks the account shares with the
        # password change and deletion, or a stolen session could guess on here.
        if refused := password_check_refused(request):
            return _email_change_not_now(request, context, refused)
        if form.is_valid():
            email = form.cleaned_data["email"]
            # Counted the same whether or not another account uses the address.
            refused = ratelimit.check_inbox(
                EMAIL_CHANGE_ADDRESS_LIMITS, email,
                "We have sent that address as many emails as we send it in an hour. You can "
                "ask again in {wait}; the address you typed is still here.", UNAVAILABLE)
            if refused:
                return _email_change_not_now(request, context, refused)
            email_change.send_link.enqueue(user_id=request.user.pk, email=email,
                                           old_email=request.user.email)
            request.session[EMAIL_CHANGE_SENT_TO] = email
            return redirect("accounts:email_change_sent")
        return render(request, "accounts/email_change_form.html", context, status=400)
    return render(request, "accounts/email_change_form.html", context)


def _email_change_not_now(request, context, refused):
    """The form as typed (the password aside) without checking it: nothing was tried."""
    form = EmailChangeForm(request.user, initial={"email": request.POST.get("email", "")})
    return ratelimit.refusal(request, "accounts/email_change_form.html",
                             {**context, "form": form}, refused)


@never_cache
@takes("GET", "HEAD")
@login_required
def email_change_sent(request):
    """Check your inbox: the address the link went to, and what happens next.

    The address is shown once, on the redirect from the form, and then
    forgotten: the session keeps only that a link went (True), which a reload
    still answers, without the address.
    """
    email = request.session.get(EMAIL_CHANGE_SENT_TO)
    if not email:
        return redirect("accounts:email_change")
    request.session[EMAIL_CHANGE_SENT_TO] = True
    return render(request, "accounts/email_change_sent.html",
                  {"email": email if isinstance(email, str) else "",
                   "days": email_change.LINK_DAYS})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def email_change_confirm(request, token):
    """GET shows the change and a button, POST makes it: mail scanners that open links
    change nothing. No sign-in needed: the link proves the inbox, the request the password."""
    try:
        change = (email_change.apply if request.method == "POST" else email_change.read)(token)
    except email_change.BadLink as bad:
        status, title, text = EMAIL_CHANGE_BAD_LINK[bad.reason]
        return render(request, "accounts/email_change_bad_link.html",
                      {"title": title, "text": text}, status=status)
    user = change.user
    if request.method == "POST":
        request.session.pop(EMAIL_CHANGE_SENT_TO, None)
        if request.user.pk == user.pk:
            messages.success(request, f"Your account’s email address is now {as_typed(change.email)}. "
                                      f"Password-reset emails go there from now on.")
            return redirect("accounts:account")
        # Signed out, or as another account: the account page would not be theirs to
        # see, and the message would wait unseen for the next page; so it is said here.
        return render(request, "accounts/email_change_done.html",
                      {"username": user.get_username(), "email": change.email})
    return render(request, "accounts/email_change_confirm.html", {
        "change": change, "token": token,
        "current": email_change.mask(user.email) if user.email else "",
        "notes": _email_change_notes(user)})
