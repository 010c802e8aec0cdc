from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.signals import account_held
from articles.models import Article, moved_story_slug
from core import ratelimit
from core.honeypot import HONEYPOT_REFUSAL, honeypot_filled
from core.pagecache import tag
from core.pagination import ArchivePaginator, strict_page

from .forms import MISSING_TOKEN, CommentForm, CommentReportForm
from .moderation import check_comment, comment_refusal
from .models import Comment, CommentReport, posted_after

COMMENTS_PER_PAGE = 20
# The news of the reader's last post or report on a story (its pk follows),
# shown once on the page the no-JavaScript redirect leads to:
# {"notice": text, "comment": pk or None}.
OUTCOME_SESSION_KEY = "comments:outcome:"


def _public_article(slug):
    return get_object_or_404(Article.objects.published().select_related("section"), slug=slug)


def _still_public(article):
    """Whether the story is public at this point of the transaction that stores a post on it.

    Its row stays locked until the transaction ends (PostgreSQL; SQLite's
    IMMEDIATE transactions hold the whole database): an editor unpublishing
    or deleting it waits for the comment, or the comment sees it gone. Checked
    only before the transaction, a comment sent as the story was unpublished
    was stored on the draft, and one sent as it was deleted failed with a 500.
    """
    return (Article.objects.published().select_for_update(no_key=True)
            .filter(pk=article.pk).exists())


def _comment_gone(request):
    """The 404 for a comment sent to a story that is no longer public, with its text to copy.

    The script that sent it shows a message of its own and keeps the text in
    the comment box (static/js/comments.js: a whole page that is a 404).
    """
    body = request.POST.get("body", "")
    return render(request, "story_gone.html", {
        "notice": "Your comment was not posted: the story has been withdrawn, so it takes no "
                  "comments.",
        "unsent": [("Your comment, not posted: copy it to keep it", body)] if body.strip()
        else []}, status=404)


def _is_partial(request):
    return request.GET.get("partial") == "1"


def _comments_url(article, partial=False):
    url = reverse("comments:list", kwargs={"slug": article.slug})
    return f"{url}?partial=1" if partial else url


def _with_next(url, target):
    # The anchor goes inside next (%23): a fragment is never sent to the server.
    return f"{url}?next={quote(target, safe='/')}"


def _comment_page(comment):
    """The number of the comments page that shows comment (20 a page, newest first)."""
    newer = Comment.objects.for_display().filter(posted_after(comment), article=comment.article)
    return newer.count() // COMMENTS_PER_PAGE + 1


def _comment_url(comment, page=None):
    """The comments page that shows comment, at its anchor."""
    page = page or _comment_page(comment)
    query = f"?page={page}" if page > 1 else ""
    return f"{_comments_url(comment.article)}{query}#comment-{comment.pk}"


def _render_comments(request, article, form=None, status=200, retry_after=None, notice=None,
                     outcome=None, unsent="", page=None):
    """The comments block (or the whole page) with its form, list and pagination.

    notice concerns the form's text (a refusal) and shows above the form;
    outcome, the news of a post or report, shows with that comment (or, when
    it is not on the page, under the form), so that it never sits above the
    form while the reader writes the next comment. unsent: the text of a
    comment sent by a reader who is signed out by now, shown for them to copy.
    page: the number of the page to show, when it is not the request's ?page=
    (the page of the comment a report was about).
    """
    page = _comments_page(request, Comment.objects.for_display().filter(article=article), page)
    if request.user.is_authenticated:
        if form is None:
            form = CommentForm()
        if outcome is None:
            outcome = request.session.pop(f"{OUTCOME_SESSION_KEY}{article.pk}", None)
    comments = list(page.object_list)
    partial = _is_partial(request)
    # Signing in leads back to where the form will be: the story's comments
    # (the block on the story page), or this page for readers without JavaScript.
    back = (article.get_absolute_url() if partial else _comments_url(article)) + "#comments"
    template = "comments/comment_page.html"
    if partial:
        template += "#comments-block"
    response = render(request, template, {
        "article": article,
        "page_obj": page,
        "comments": comments,
        "comment_count": page.paginator.count,
        "form": form,
        "notice": notice,
        "outcome": outcome,
        "outcome_elsewhere": outcome is not None and outcome.get("comment") not in {
            comment.pk for comment in comments},
        "retry_after": retry_after,
        "report_form": CommentReportForm(),
        # A suspended reader is offered no report form (report_comment refuses it).
        "may_report": request.user.is_authenticated and not comment_refusal(request.user),
        "login_url": _with_next(settings.LOGIN_URL, back),
        "signup_url": _with_next(reverse("accounts:signup"), back),
        "partial": partial,
        "unsent": unsent,
    }, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    if partial:
        # A fragment for the story page's script, no page of its own: kept out of
        # search results (the page cache keeps the header with the copy).
        response["X-Robots-Tag"] = "noindex"
    return response


def _comments_page(request, comments, number=None):
    """The page of comments ?page= (or number) names; a page past the last is
    a 404, but for the script it is the last page.

    The script's "Older comments" link was written before a comment was
    hidden or removed: the page it names may no longer exist, and the oldest
    comments are what the reader asked for.
    """
    if number is not None:
        paginator = ArchivePaginator(comments, COMMENTS_PER_PAGE)
        return paginator.page(min(number, paginator.num_pages))
    try:
        return strict_page(request, comments, COMMENTS_PER_PAGE)
    except Http404:
        number = request.GET.get("page", "")
        # Only a page number in plain digits past the last (strict_page checked the rest).
        if not (_is_partial(request) and number.isascii() and number.isdigit()
                and int(number) > 1):
            raise
        paginator = ArchivePaginator(comments, COMMENTS_PER_PAGE)
        return paginator.page(paginator.num_pages)


@require_http_methods(["GET", "HEAD", "POST"])
def comment_list(request, slug):
    """The comments block (a full page, or ?partial=1 for the script); POST adds one.

    Anonymous readers' copies come from the page cache (comments/urls.py);
    everyone else's answers are private (core.pagecache.PageCacheMiddleware).
    """
    try:
        article = _public_article(slug)
    except Http404:
        # A form sent to a story's old address is sent on to its new one (handler404's
        # 308); one sent to a story taken down keeps its text for the reader to copy.
        if request.method != "POST" or moved_story_slug(slug) is not None:
            raise
        return _comment_gone(request)
    # The block shows the comments; the full page also the story's headline.
    tag(request, f"comments-{article.pk}", *(() if _is_partial(request) else
                                             (f"story-{article.pk}",)))
    if request.method != "POST":
        return _render_comments(request, article)
    if not request.user.is_authenticated:
        # Signed out since the form was shown (in another tab, say): what they
        # wrote stays on screen to copy, and the script keeps it for after sign-in.
        unsent = request.POST.get("body", "")
        if not unsent.strip():
            return _render_comments(request, article, status=403,
                                    notice="Sign in to comment. Nothing was posted.")
        return _render_comments(request, article, status=403, unsent=unsent, notice=(
            "You are signed out, so your comment was not posted. Sign in to post it; "
            "your text is below."))

    form = CommentForm(request.POST)
    if honeypot_filled(request.POST):
        return _render_comments(request, article, form=form, status=400,
                                notice=HONEYPOT_REFUSAL)
    refusal = comment_refusal(request.user)
    if refusal:
        return _render_comments(request, article, form=form, status=403, notice=refusal)
    if not form.is_valid():
        notice = MISSING_TOKEN if form.has_error("submission_token") else None
        return _render_comments(request, article, form=form, status=400, notice=notice)
    token = form.cleaned_data["submission_token"]
    earlier = _submitted(request.user, token)
    if earlier is not None:
        return _comment_posted(request, earlier)
    body = form.cleaned_data["body"]
    try:
        status, hold_reason = check_comment(request.user, article, body)
    except ValidationError as error:
        return _refuse_comment(request, article, form, error)

    try:
        # The row goes in first: a twin of this submission in another process
        # waits on the unique token and then fails, instead of racing the rate
        # limit. Only accepted content uses up the reader's allowance.
        with transaction.atomic():
            gone = not _still_public(article)
            # Deleted in another browser meanwhile (accounts.signals.account_held).
            deleted = not gone and not account_held(request.user)
            if not (gone or deleted):
                comment = Comment.objects.create(
                    article=article, reader=request.user, body=body, status=status,
                    hold_reason=hold_reason, submission_token=token)
                wait = ratelimit.acquire(
                    ratelimit.COMMENT_LIMITS, f"reader:{request.user.pk}",
                    also=[(ratelimit.COMMENT_ADDRESS_LIMITS, ratelimit.address_key(request))])
                if wait:
                    transaction.set_rollback(True)
    except IntegrityError:
        earlier = _submitted(request.user, token)
        if earlier is not None:
            return _comment_posted(request, earlier)
        # The story went at commit (SQLite checks the story's key then).
        if not Article.objects.published().filter(pk=article.pk).exists():
            return _comment_gone(request)
        raise
    except ratelimit.Unavailable:
        response = _render_comments(request, article, form=form, status=503,
                                    notice=ratelimit.UNAVAILABLE_NOTICE)
        response["Retry-After"] = str(ratelimit.UNAVAILABLE_RETRY)
        return response
    if gone:
        return _comment_gone(request)
    if deleted:
        # Signed out here too, with the text to copy.
        logout(request)
        return _render_comments(request, article, status=403, unsent=body, notice=(
            "Your comment was not posted: your account has been deleted."))
    if wait:
        notice = (f"You are commenting faster than we allow. You can post again in "
                  f"{ratelimit.human_wait(wait)}; your text is still here.")
        return _render_comments(request, article, form=form, status=429,
                                retry_after=wait, notice=notice)
    return _comment_posted(request, comment)


def _refuse_comment(request, article, form, error):
    """A comment refused for a word we do not publish: 400 naming the word, or 429 once
    the reader (or their connection) has had many refused (ratelimit.COMMENT_REFUSAL_LIMITS).

    The word is named for the reader to rephrase; a refusal costs no comment
    allowance, so without a limit of its own the list could be read out by trying.
    """
    try:
        wait = ratelimit.acquire(
            ratelimit.COMMENT_REFUSAL_LIMITS, f"reader:{request.user.pk}",
            also=[(ratelimit.COMMENT_ADDRESS_REFUSAL_LIMITS, ratelimit.address_key(request))])
    except ratelimit.Unavailable:
        return _render_comments(request, article, form=form, status=503,
                                notice=ratelimit.UNAVAILABLE_NOTICE)
    if wait:
        notice = (f"Several of your comments in a short time used words we do not publish, "
                  f"so we are not checking more for now. You can post again in "
                  f"{ratelimit.human_wait(wait)}; your text is still here.")
        return _render_comments(request, article, form=form, status=429,
                                retry_after=wait, notice=notice)
    form.add_error("body", error)
    return _render_comments(request, article, form=form, status=400)


def _submitted(reader, token):
    """The reader's comment sent with this form token, if it was stored already."""
    return (Comment.objects.select_related("article")
            .filter(reader=reader, submission_token=token).first())


def _comment_posted(request, comment):
    """The answer to a stored comment's form, the same however often the form is sent."""
    approved = comment.status == Comment.Status.APPROVED
    outcome = {"notice": "Your comment is published.", "comment": comment.pk} if approved else {
        "notice": "Thank you. Your comment will appear once a moderator has reviewed it.",
        "comment": None}
    return _answer(request, comment.article, outcome, comment if approved else None)


def _answer(request, article, outcome, comment=None):
    """The block with the outcome for the script; else a redirect to the page showing it once.

    comment: the one the outcome is about, on its own page of comments (a
    reported comment may be on page 2); None for the form's outcome.
    """
    page = _comment_page(comment) if comment else 1
    if _is_partial(request):
        return _render_comments(request, article, outcome=outcome, page=page)
    request.session[f"{OUTCOME_SESSION_KEY}{article.pk}"] = outcome
    url = _comment_url(comment, page) if comment else f"{_comments_url(article)}#comments"
    return HttpResponseRedirect(url, status=303)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report_comment(request, pk):
    """A reader flags a comment; it joins the moderators' queue.

    A GET files nothing: it leads to the comment, as signing in does for a
    reader whose session ended before they sent the report.
    """
    comment = get_object_or_404(Comment.objects.filter(article__in=Article.objects.published())
                                .select_related("article"), pk=pk)
    if comment.status != Comment.Status.APPROVED:
        # Hidden since the page was drawn. The script says so beside the report's form;
        # without it, the story's comments say so, where the generic "not found" page said
        # the story was gone. One held on arrival was never shown: that page named its
        # story to anyone counting through the ids, and said it was "no longer shown".
        never_shown = comment.status == Comment.Status.PENDING and comment.moderated_at is None
        if request.method != "POST" or _is_partial(request) or never_shown:
            raise Http404("The comment is no longer public.")
        return _refuse_report(request, comment, 404, notice=(
            "Nothing was reported: this comment is no longer shown. It may have been "
            "removed already."))
    if request.method != "POST":
        return HttpResponseRedirect(_comment_url(comment))
    if not request.user.is_authenticated:
        if _is_partial(request):
            return _refuse_report(request, comment, 403,
                                  notice="Sign in to report a comment. Nothing was reported.")
        return HttpResponseRedirect(_with_next(settings.LOGIN_URL, _comment_url(comment)))
    if comment.reader_id == request.user.pk:
        return _refuse_report(request, comment, 403,
                              notice="You cannot report your own comment. Nothing was reported.")
    if comment_refusal(request.user):
        # Suspended from the conversation: flagging others' comments is part of it.
        return _refuse_report(request, comment, 403, notice=(
            "Your account cannot report comments while it is suspended. Nothing was "
            "reported."))
    form = CommentReportForm(request.POST)
    if not form.is_valid():
        return _refuse_report(request, comment, 400,
                              notice="Choose what is wrong with the comment to report it.")
    wait, deleted = 0, False
    try:
        # As with comments, the row goes in first, and only a new report uses up
        # an allowance: reporting the same comment again is no new work for anyone.
        with transaction.atomic():
            gone = not _still_public(comment.article)
            # Deleted in another browser meanwhile (accounts.signals.account_held).
            deleted = not gone and not account_held(request.user)
            if not (gone or deleted):
                CommentReport.objects.create(comment=comment, reporter=request.user,
                                             reason=form.cleaned_data["reason"])
                wait = ratelimit.acquire(ratelimit.COMMENT_REPORT_LIMITS,
                                         f"reader:{request.user.pk}")
                if wait:
                    transaction.set_rollback(True)
    except IntegrityError:
        # Reported already (once is enough), or the comment was deleted meanwhile:
        # then nothing was reported, and no "Thank you" may say otherwise.
        gone = not CommentReport.objects.filter(comment_id=comment.pk,
                                                reporter=request.user).exists()
    except ratelimit.Unavailable:
        response = _refuse_report(request, comment, 503, notice=(
            "We can't take reports for a moment. Nothing was reported; please try again "
            "in a minute."))
        response["Retry-After"] = str(ratelimit.UNAVAILABLE_RETRY)
        return response
    if gone:
        # As for a comment no longer public when the report was sent (the script
        # says that nothing was reported).
        raise Http404("The comment is no longer public.")
    if deleted:
        # Not "no longer public", as its reporter's key failing at the commit said.
        logout(request)
        return _refuse_report(request, comment, 403, notice=(
            "Nothing was reported: your account has been deleted."))
    if wait:
        response = _refuse_report(request, comment, 429, notice=(
            f"You have reported many comments in a short time. You can report again in "
            f"{ratelimit.human_wait(wait)}; nothing was reported this time."))
        response["Retry-After"] = str(wait)
        return response
    outcome = {"notice": "Thank you. A moderator will look at the comment you reported.",
               "comment": comment.pk}
    return _answer(request, comment.article, outcome, comment)


def _refuse_report(request, comment, status, notice):
    """The comments (block or page) showing the reported comment, and why nothing was reported."""
    return _render_comments(request, comment.article, status=status, notice=notice,
                            page=_comment_page(comment))
