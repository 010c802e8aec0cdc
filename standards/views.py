from datetime import date
from functools import cache, wraps

from django.conf import settings
from django.contrib.auth import logout
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import IntegerField, OuterRef
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.generic import ListView, TemplateView

from accounts.signals import account_held
from articles.models import Article, moved_story_slug, public_story
from core import ratelimit
from core.honeypot import HONEYPOT_REFUSAL, honeypot_filled
from core.middleware import takes
from core.forms import SUBMISSION_TOKEN_PATTERN, new_submission_token
from core.queries import count_of
from core.pagecache import tag
from core.pagination import StrictPageMixin

from . import figures, transparency
from .charts import Series, bar_chart, column_chart
from .forms import BiasReportForm
from .models import BiasReport, Correction


def bias_report_counts(reports):
    """Annotations counting decided reports (reviewed) and upheld ones among `reports`."""
    decided = reports.decided()
    return {"bias_reports_reviewed": count_of(decided),
            "bias_reports_upheld": count_of(decided.filter(status=BiasReport.Status.UPHELD))}


def story_review_counts():
    """The story's review record and corrections, counted in the article page's own query.

    The counts of bias_report_counts() on the story's reports, as SQL: the
    ORM's two count subqueries took longer to build and compile than the
    database to run them, on every cold render of a story page. Most stories
    have no correction: counted here, their page does not ask for the list.
    """
    count = _story_reports_count_sql()
    upheld, dismissed = BiasReport.Status.UPHELD, BiasReport.Status.DISMISSED  # decided()
    return {
        "bias_reports_reviewed": RawSQL(f"{count} IN (%s, %s)", [upheld, dismissed],
                                        output_field=IntegerField()),
        "bias_reports_upheld": RawSQL(f"{count} = %s", [upheld], output_field=IntegerField()),
        "correction_count": RawSQL(_story_corrections_count_sql(), [],
                                   output_field=IntegerField()),
    }


def _column(model, field):
    name = connection.ops.quote_name
    return f"{name(model._meta.db_table)}.{name(model._meta.get_field(field).column)}"


@cache
def _story_reports_count_sql():
    """SELECT COUNT(*) of the reports on the story of the outer query, up to their status."""
    return (f"SELECT COUNT(*) FROM {connection.ops.quote_name(BiasReport._meta.db_table)} "
            f"WHERE {_column(BiasReport, 'article')} = {_column(Article, 'id')} "
            f"AND {_column(BiasReport, 'status')}")


@cache
def _story_corrections_count_sql():
    """SELECT COUNT(*) of the corrections on the story of the outer query."""
    return (f"SELECT COUNT(*) FROM {connection.ops.quote_name(Correction._meta.db_table)} "
            f"WHERE {_column(Correction, 'article')} = {_column(Article, 'id')}")


def author_review_counts(now):
    """An author's corrections and review record beside the newsroom's, in the author's query."""
    public_reports = BiasReport.objects.filter(public_story("article__", now))
    newsroom = bias_report_counts(public_reports)
    return {
        "correction_count": count_of(Correction.objects.filter(
            public_story("article__", now), article__author=OuterRef("pk"))),
        **bias_report_counts(public_reports.filter(article__author=OuterRef("pk"))),
        "newsroom_reviewed": newsroom["bias_reports_reviewed"],
        "newsroom_upheld": newsroom["bias_reports_upheld"],
    }


class CorrectionListView(StrictPageMixin, ListView):
    """The public log of corrections and notes, newest first, each linking to its story."""

    template_name = "standards/correction_list.html"
    context_object_name = "corrections"

    def get_queryset(self):
        return Correction.objects.public().select_related("article").order_by("-date", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # A story's corrections are public with the story (stories-all).
        tag(self.request, "corrections", "stories-all",
            *(f"story-{correction.article_id}" for correction in context["corrections"]))
        return context


def _public_article(slug):
    return get_object_or_404(Article.objects.published().select_related("section"), slug=slug)


def _is_partial(request):
    return request.GET.get("partial") == "1"


def _bias_template(request, name):
    return f"standards/{name}.html" + ("#dialog-content" if _is_partial(request) else "")


def _fragment_not_indexed(view):
    """The dialog's fragment (?partial=1) of a report page, said noindex as its page is:
    an HTML fragment is no page of its own (as the comments block, comments.views)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if _is_partial(request):
            response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


# A signed-out reporter's browser is known by a random key in this cookie, kept
# to the story's report pages: the form, and the confirmation that shows the
# report's progress to its reporter alone. Reports from one network address
# are not one person's (a household, an office, a mobile carrier share it),
# and a session would take the reader's every page out of the caches; the
# edge passes the report pages with their cookies and no other page sees it.
REPORTER_COOKIE = "bias_reporter"
REPORTER_COOKIE_AGE = 365 * 24 * 3600  # seconds: a decision may take a while


def _reporter_key(request):
    """The key this browser holds for the story's report pages, or None."""
    key = request.COOKIES.get(REPORTER_COOKIE, "")
    return key if SUBMISSION_TOKEN_PATTERN.fullmatch(key) else None


def _given_reporter_key(response, article, key):
    response.set_cookie(
        REPORTER_COOKIE, key, max_age=REPORTER_COOKIE_AGE,
        path=reverse("standards:report-bias", kwargs={"slug": article.slug}),
        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
    return response


def _same_reporter(user, key):
    """Who sent a report, as a condition: the signed-in reader, else the browser's key."""
    return {"reader": user} if user is not None else {"reporter_key": ratelimit.fingerprint(key)}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@_fragment_not_indexed
def report_bias(request, slug):
    """The bias-report form; POST files a report and redirects to its reference."""
    try:
        article = _public_article(slug)
    except Http404:
        # A report sent to a story's old address is sent on to its new one (handler404's
        # 308); one sent to a story taken down keeps its text for the reader to copy.
        if request.method != "POST" or moved_story_slug(slug) is not None:
            raise
        return _report_gone(request)
    held = _reporter_key(request)
    # Given with the form, so that the form's sends, however many at once,
    # come with the one key.
    key = held or new_submission_token()
    response = _answer_bias_report(request, article, key)
    return response if held else _given_reporter_key(response, article, key)


def _answer_bias_report(request, article, key):
    user = request.user if request.user.is_authenticated else None
    context = {"article": article, "partial": _is_partial(request)}
    if request.method != "POST":
        # The contact email is left for the reader to give: their account's address
        # would go to the moderators with the report whether they meant it to or not.
        form = BiasReportForm()
        return render(request, _bias_template(request, "bias_report_form"),
                      {**context, "form": form})

    form = BiasReportForm(request.POST)
    if honeypot_filled(request.POST):
        return render(request, _bias_template(request, "bias_report_form"),
                      {**context, "form": form, "notice": HONEYPOT_REFUSAL}, status=400)
    if not form.is_valid():
        return render(request, _bias_template(request, "bias_report_form"),
                      {**context, "form": form}, status=400)

    token = form.cleaned_data["submission_token"]
    reporter = _same_reporter(user, key)
    answer = _answer_earlier(request, article, form.cleaned_data, reporter)
    if answer is not None:
        return answer

    address = ratelimit.fingerprint(ratelimit.client_network(request))
    report = form.save(commit=False)
    report.article = article
    report.reader = user
    report.reporter_fingerprint = address
    report.reporter_key = ratelimit.fingerprint(key)
    report.submission_token = token
    try:
        # The row goes in first, as a comment's does: a twin of this send in another
        # process waits on the unique token and then fails, instead of using up an
        # allowance too. Only a report filed uses one.
        with transaction.atomic():
            gone = not _still_public(article)
            # Deleted in another browser meanwhile (accounts.signals.account_held).
            deleted = user is not None and not gone and not account_held(user)
            # Asked again once the story's row is held: the same report sent from
            # another tab at the same instant passed the first look too, and is filed
            # by now (it held the row first) or waits for this one to be.
            answer = None if gone or deleted else _answer_earlier(
                request, article, form.cleaned_data, reporter)
            if not (gone or deleted or answer):
                report.save()
                refused = ratelimit.check(
                    ratelimit.BIAS_REPORT_LIMITS, f"address:{address}",
                    "We accept at most five reports an hour from one connection. You can "
                    "send this one in {wait}; your text is still here.")
                if refused:
                    transaction.set_rollback(True)
    except IntegrityError:
        # A twin of this send (the same form) was filed meanwhile.
        earlier = _submitted(article, token)
        if earlier is not None:
            return _to_confirmation(request, earlier)
        # Or the story went at commit (SQLite checks the story's key then).
        if not Article.objects.published().filter(pk=article.pk).exists():
            return _report_gone(request)
        raise
    if answer is not None:
        return answer
    if gone:
        return _report_gone(request)
    if deleted:
        # Signed out here too, the form kept to send without an account.
        logout(request)
        return render(request, _bias_template(request, "bias_report_form"), {
            **context, "form": form, "notice": "Your report was not sent: your account has "
            "been deleted. You can send it without an account."}, status=403)
    if refused:
        return ratelimit.refusal(request, _bias_template(request, "bias_report_form"),
                                 {**context, "form": form}, refused)
    return _to_confirmation(request, report)


def _still_public(article):
    """Whether the story is public now, in the transaction that files a report on it, its
    row locked until that ends (as comments.views._still_public, and for the same reasons)."""
    return (Article.objects.published().select_for_update(no_key=True)
            .filter(pk=article.pk).exists())


def _report_gone(request):
    """The 404 for a report sent to a story that is no longer public, with its text to copy
    (the dialog's script keeps the form, with a message of its own)."""
    unsent = [("The passage you quoted", request.POST.get("quoted_passage", "")),
              ("Your details", request.POST.get("details", ""))]
    return render(request, "story_gone.html", {
        "notice": "Your report was not sent: the story has been withdrawn.", "contact": True,
        "unsent": [(label, text) for label, text in unsent if text.strip()]}, status=404)


def _answer_earlier(request, article, data, reporter):
    """The answer to a report filed already, or None: the same form sent again (a double
    click, a retry) is answered as the first send was, and the same reporter's identical
    report (another tab) is told it was sent already; either keeps what the send adds."""
    earlier = _submitted(article, data["submission_token"])
    if earlier is not None:
        added = _keep_new_contact(earlier, data)
        return _to_confirmation(request, earlier, duplicate=bool(added), added=added)
    duplicate = _duplicate_report(article, data, reporter)
    if duplicate is not None:
        added = _keep_new_contact(duplicate, data)
        return _to_confirmation(request, duplicate, duplicate=True, added=added)
    return None


def _submitted(article, token):
    """The report on this story sent with this form token, if it was filed already."""
    if token is None:
        return None
    return (BiasReport.objects.select_related("article")
            .filter(article=article, submission_token=token).first())


def _duplicate_report(article, data, reporter):
    """The same reporter's identical report on this story, if any (_same_reporter)."""
    return BiasReport.objects.filter(
        article=article, reason=data["reason"], quoted_passage=data["quoted_passage"],
        details=data["details"], **reporter,
    ).first()


def _is_reporter(request, report):
    """Whether this request comes from the reader or the browser that sent the report."""
    user = request.user if request.user.is_authenticated else None
    if user is not None and report.reader_id == user.pk:
        return True
    key = _reporter_key(request)
    return bool(key and report.reporter_key
                and constant_time_compare(report.reporter_key, ratelimit.fingerprint(key)))


# What a re-sent report may add to the one already filed, by the name the
# confirmation's `added` parameter gives it.
CONTACT_FIELDS = {"email": "contact_email", "link": "evidence_url"}


def _keep_new_contact(report, data):
    """Keep a re-sent report's email and evidence link on the open report it repeats.

    Returns the names (CONTACT_FIELDS) of those kept. A field left empty
    erases nothing, and one the report holds already adds nothing: a double click's
    twin was told "We added the email address you gave", as if the first send had
    none. A decided report keeps nothing: its decision has been sent.
    """
    given = {name: data[field] for name, field in CONTACT_FIELDS.items()
             if data[field] and data[field] != getattr(report, field)}
    if not given or not report.is_open:
        return []
    # Only while still open: a moderator may decide it meanwhile, and the
    # decision goes to the address the report had then.
    still_open = BiasReport.objects.open().filter(pk=report.pk).update(
        **{CONTACT_FIELDS[name]: value for name, value in given.items()})
    return list(given) if still_open else []


def _to_confirmation(request, report, duplicate=False, added=()):
    url = report.get_confirmation_url()
    query = [q for q, on in (("partial=1", _is_partial(request)), ("again=1", duplicate),
                             (f"added={_signed_added(report, added)}", added)) if on]
    return HttpResponseRedirect(url + ("?" + "&".join(query) if query else ""), status=303)


# Signed: the confirmation's address holds only the report's number, which
# anyone can count through, and a plain ?added=email made the page of any
# report say whether its reporter had left an address.
ADDED_SALT = "standards.bias-report-added"
ADDED_MAX_AGE = 600  # seconds: the page is seen just after the re-send


def _signed_added(report, added):
    return signing.dumps([report.pk, list(added)], salt=ADDED_SALT, compress=False)


def _added_by_this_send(report, value):
    """The names of CONTACT_FIELDS the redirect from a re-send of this report signed, or []."""
    try:
        pk, names = signing.loads(value, salt=ADDED_SALT, max_age=ADDED_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return []
    return names if pk == report.pk and isinstance(names, list) else []


@never_cache
@takes("GET", "HEAD")
@_fragment_not_indexed
def bias_report_received(request, slug, reference):
    """The confirmation a reporter lands on: their reference and what happens next."""
    number = reference.removeprefix("BR-")
    if not (reference.startswith("BR-") and number.isascii() and number.isdigit()
            and len(number) <= 12):
        raise Http404("No such report.")
    article = get_object_or_404(Article.objects.published(), slug=slug)
    report = (BiasReport.objects.select_related("article")
              .filter(pk=int(number), article=article).first())
    if report is None or not _is_reporter(request, report):
        # The reference counts up: anyone could read any report's outcome by it, or,
        # were a reference not on the story answered otherwise, which stories drew
        # reports and how many. Whoever did not send it is answered the same for any.
        return render(request, _bias_template(request, "bias_report_received"), {
            "article": article, "reporter": False, "partial": _is_partial(request)})
    again = request.GET.get("again") == "1"
    # What a re-send kept, as the redirect signed it; and only what the report
    # still holds is confirmed.
    named = (_added_by_this_send(report, request.GET.get("added", ""))
             if again and report.is_open else [])
    added = [name for name, field in CONTACT_FIELDS.items()
             if name in named and getattr(report, field)]
    # A decision's note is written to the reporter, and the notes that followed an upheld
    # report are public: said here too, where a reporter who left no address reads the
    # outcome (the email was all that told either).
    corrections = (list(report.corrections.order_by("date", "pk"))
                   if report.status == BiasReport.Status.UPHELD else [])
    return render(request, _bias_template(request, "bias_report_received"), {
        "article": report.article,
        "report": report,
        "corrections": corrections,
        "again": again,
        "added": added,
        "reporter": True,
        "partial": _is_partial(request),
    })


INVOLVEMENT_SERIES = [
    Series("none", "Written by people", "chart-s1"),
    Series("assisted", "AI-assisted", "chart-s2"),
    Series("generated", "AI-generated", "chart-s3"),
]
OUTCOME_SERIES = [
    Series("upheld", "Upheld", "chart-s4"),
    Series("dismissed", "Dismissed", "chart-s1"),
    Series("open", "Still open", "chart-s5"),
]
CORRECTION_SERIES = [
    Series(Correction.Kind.CORRECTION, "Corrections", "chart-s4", one="Correction"),
    Series(Correction.Kind.CLARIFICATION, "Clarifications", "chart-s3", one="Clarification"),
    Series(Correction.Kind.EDITORS_NOTE, "Editor's notes", "chart-s1", one="Editor's note"),
]
COMMENT_SERIES = [
    Series("approved", "Approved", "chart-s2"),
    Series("held", "Held for review", "chart-s5"),
    Series("hidden", "Hidden", "chart-s4"),
]


# Column charts of one block of figures a month: (context name, id, title, where
# the figures are in a month's block, their series).
MONTHLY_CHARTS = [
    ("stories_chart", "chart-stories", "Stories published each month by AI involvement",
     ("stories", "by_ai_involvement"), INVOLVEMENT_SERIES),
    ("reports_chart", "chart-reports", "Bias reports received each month by outcome",
     ("bias_reports",), OUTCOME_SERIES),
    ("corrections_chart", "chart-corrections",
     "Corrections, clarifications and editor's notes each month", ("corrections",),
     CORRECTION_SERIES),
    ("comments_chart", "chart-comments", "Comments received each month by moderation status",
     ("comments",), COMMENT_SERIES),
]


def _columns(months, path, series):
    """(short label, year shown under it, full label, values) for each month.

    The values are the series' figures, found in each month's block at path.
    """
    columns = []
    for index, month in enumerate(months):
        start = timezone.localtime(month["start"])
        label = date_format(date(start.year, start.month, 1), "M")
        # The year under each January and the first month; a December first
        # leaves it to the January beside it, which has no room to spare.
        year = str(start.year) if start.month == 1 or (index == 0 and start.month < 12) else ""
        figures_at = month
        for key in path:
            figures_at = figures_at[key]
        columns.append((label, year, month["label"], {s.key: figures_at[s.key] for s in series}))
    return columns


def _personas(totals):
    """One row per AI persona: its stories in each total row (transparency.total_rows)."""
    rows = {}
    for index, total in enumerate(totals):
        for persona in total["figures"]["ai_personas"]:
            row = rows.setdefault(persona["slug"], {"name": persona["name"],
                                                   "slug": persona["slug"],
                                                   "counts": [0] * len(totals)})
            row["counts"][index] = persona["stories"]
    return sorted(rows.values(), key=lambda row: row["name"].casefold())


class TransparencyReportView(TemplateView):
    """The newsroom's public record, month by month (DESIGN.md section 4)."""

    template_name = "transparency/report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        periods = figures.compute(figures.recent_periods(now), now)
        months, totals = periods[:figures.MONTHS_SHOWN], periods[figures.MONTHS_SHOWN:]
        span = f"{months[0]['label']} to {months[-1]['label']}"
        last_12 = totals[0]
        byline_totals = transparency.total_rows(totals, "stories", "ai_personas")
        context.update({
            "now": now,
            "time_zone": settings.TIME_ZONE,
            "span": span,
            "first_month": months[0]["label"],
            "both_totals": transparency.BOTH_TOTALS,
            "tables": transparency.tables(months, totals),
            "byline_totals": byline_totals,
            "personas": _personas(byline_totals),
            "reason_totals": transparency.total_rows(totals, "bias_reports"),
            "all_totals_same": transparency.same_totals(totals, *transparency.BLOCKS),
            "some_totals_same": any(transparency.same_totals(totals, name)
                                    for name in transparency.BLOCKS),
            "reasons_chart": bar_chart(
                "chart-reasons",
                f"Bias reports received in the last 12 months by reason and outcome, {span}",
                [(reason["label"], {k: reason[k] for k in figures.OUTCOMES})
                 for reason in last_12["bias_reports"]["by_reason"]],
                OUTCOME_SERIES),
            **{name: column_chart(chart_id, f"{title}, {span}", _columns(months, path, series),
                                  series)
               for name, chart_id, title, path, series in MONTHLY_CHARTS},
        })
        return context
