"""The moderation desk's comment queue (/admin/moderation/comments/).

Each waiting comment comes with what a decision needs: its story and the
comments around it, why it is held, its open reports, and its reader's
standing and recent comments. Approve, Hide and Hide-and-restrict are plain
POST forms; static/js/desk.js sends them without a page load and answers
with the fragment that takes the comment's place (a receipt with Undo).
"""

import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from articles.models import CARD_DEFERRED, Article, story_text

from . import moderation
from .models import (Comment, CommentReport, ModerationAction, WaitingComments, posted_after,
                     posted_before, reported, waiting)

PER_PAGE = 10
SHOWN_MAX = 500  # the cards' numbers a refill may send (?shown=)
AROUND = 2  # comments shown before and after the waiting one on its story
HISTORY = 4  # the reader's latest other comments shown
SHOWS = {"": "Everything waiting", "held": "Held", "reported": "Reported"}
DECISIONS = {
    "approve": (Comment.Status.APPROVED, False),
    "hide": (Comment.Status.HIDDEN, False),
    "restrict": (Comment.Status.HIDDEN, True),
}
TEMPLATE = "admin/moderation/comment_queue.html"
# A newsroom account's standing, whatever is stored (ReaderStanding.applies).
NEWSROOM_STANDING = "a newsroom account, not restricted by moderators"


def _can_decide(user):
    return user.has_perm("comments.change_comment")


def _can_restrict(user):
    return (_can_decide(user) and user.has_perm("comments.add_readerstanding")
            and user.has_perm("comments.change_readerstanding"))


def _is_fetch(request):
    return request.headers.get("X-Requested-With") == "fetch"


def _comments():
    """Waiting comments with what their cards show: story, reader, open reports."""
    open_reports = (CommentReport.objects.open()
                    .select_related("reporter").order_by("created_at", "pk"))
    # Stories and readers are read for the page's comments alone: joined in, they were
    # read for every waiting comment before the page was taken (1.5 s at 28,000).
    return Comment.objects.with_waiting_since().prefetch_related(
        Prefetch("article", Article.objects.defer(*CARD_DEFERRED)), "reader__standing",
        Prefetch("reports", queryset=open_reports, to_attr="open_report_list"))


def _queue(show, after=None, before=None, ids=None):
    """The waiting comments for one view of the queue, with what their cards show."""
    return WaitingComments(_comments(), show, after, before, ids)


BAD_AFTER = ("“after” (or “before”) and “since” name a comment the queue shows: its number "
             "and since when it has waited (ISO 8601, with its offset).")


def _key(request, name="after", since_name="since"):
    """(waiting since, id) of the card named by `name` and `since` (the one the refill or
    the next page goes on from, or the one the previous page ends before), None without
    one; ValueError when they are malformed."""
    number, since = request.GET.get(name), request.GET.get(since_name)
    if number is None and (since is None or name == "before"):
        return None
    if not (number or "").isdigit() or len(number) > 18:
        raise ValueError(number)
    when = datetime.fromisoformat(since or "")
    if timezone.is_naive(when):
        raise ValueError(since)
    try:
        # As the database compares it: in UTC, where year 1 at +14:00 does not exist.
        return when.astimezone(UTC), int(number)
    except OverflowError as error:
        raise ValueError(since) from error


def _since(comment):
    """Since when the comment has waited, as its card and the queue's links name it: in UTC
    and to the microsecond, so that the script can sort cards by it as text."""
    return _key_since(comment.waiting_since)


def _key_since(when):
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _from(key):
    """The query naming the card the queue goes on from (after it)."""
    return urlencode({"after": key[1], "since": _key_since(key[0])})


def _around(comment):
    """The comments posted just before and just after this one on its story."""
    # Read from the story's index (article, created_at, id), from this comment on, in
    # either direction. The bound on created_at alone is what lets the database start
    # there: with posted_before's OR only, it read every comment of the story from one
    # end (a page of the queue took 8.6 s with a million comments on one story).
    story = Comment.objects.filter(article_id=comment.article_id).select_related("reader")
    before = list(story.filter(posted_before(comment), created_at__lte=comment.created_at)
                  .order_by("-created_at", "-pk")[:AROUND])
    after = list(story.filter(posted_after(comment), created_at__gte=comment.created_at)
                 .order_by("created_at", "pk")[:AROUND])
    return [*reversed(before), comment, *after]


def _histories(comments):
    """Each reader's comment counts by status and latest comments: two queries for a page."""
    readers = {c.reader_id for c in comments if c.reader_id}
    counts = {}
    for row in (Comment.objects.filter(reader_id__in=readers).values("reader_id", "status")
                .annotate(n=Count("pk")).order_by()):
        counts.setdefault(row["reader_id"], {})[row["status"]] = row["n"]
    latest = {}
    recent = (Comment.objects.filter(reader_id__in=readers).select_related("article", "reader")
              .defer(*story_text("article__"))
              .annotate(row=Window(RowNumber(), partition_by=[F("reader_id")],
                                   order_by=[F("created_at").desc(), F("pk").desc()]))
              .filter(row__lte=HISTORY + 1).order_by("reader_id", "row"))
    for comment in recent:
        latest.setdefault(comment.reader_id, []).append(comment)
    return counts, latest


def _items(comments, user):
    """What each waiting comment's card shows."""
    comments = list(comments)
    counts, latest = _histories(comments)
    now = timezone.now()
    items = []
    for comment in comments:
        standing = getattr(comment.reader, "standing", None) if comment.reader_id else None
        by_status = counts.get(comment.reader_id, {})
        newsroom = comment.by_newsroom  # never restricted (moderation.restriction_refusal)
        items.append({
            "comment": comment,
            "thread": _around(comment),
            "standing": NEWSROOM_STANDING if newsroom else moderation.describe_standing(
                standing, now),
            "counts": [(by_status.get(status, 0), label.lower())
                       for status, label in Comment.Status.choices],
            "total": sum(by_status.values()),
            "history": [c for c in latest.get(comment.reader_id, []) if c.pk != comment.pk]
            [:HISTORY],
            "may_restrict": (_can_restrict(user) and comment.reader_id is not None
                             and not newsroom
                             and not (standing and standing.is_premoderated)),
            "version": _version(comment),
            # Where the queue goes on from after this card (_key).
            "since": _since(comment),
            # Unpublished, or moved to a future time: readers see neither the story nor its
            # comments. Read from the story already fetched: no query.
            "story_is_public": comment.article.is_published(now),
        })
    return items


def _done(action, comment):
    """What a decision did, in a sentence for its receipt."""
    name = comment.author_name
    if action.action == moderation.RESTRICTED:
        return f"Hid the comment by {name} and put {name} in pre-moderation."
    verb = "Approved" if comment.status == Comment.Status.APPROVED else "Hid"
    return f"{verb} the comment by {name}."


def _version(comment):
    """What the card was drawn from: a decision made since then is not overwritten blindly."""
    return comment.moderated_at.isoformat() if comment.moderated_at else "new"


def _context(request, **extra):
    user = request.user
    return {
        **admin.site.each_context(request),
        "can_decide": _can_decide(user),
        "undo_minutes": moderation.UNDO_MINUTES,
        "reason_max": moderation.REASON_MAX_CHARS,
        **extra,
    }


def _fragment(request, name, status=200, **extra):
    """A piece of the queue page for the script, with how many comments wait now in the view
    of the queue the decision was made on (its `show`, read from the page it returns to)."""
    show = parse_qs(urlsplit(_next(request)).query).get("show", [""])[-1]
    return TemplateResponse(request, f"{TEMPLATE}#{name}", _context(
        request, waiting=_queue(show if show in SHOWS else "").count(), **extra), status=status)


def comment_queue(request):
    """Held and reported comments, longest waiting first, ten to a page.

    A page goes on after the last card of the one before it (?after=<id>&since=<its
    waiting since>), not from a count of comments: a count moved on as comments were
    decided, and the script's refill brought more onto the page, so "Next page" skipped
    comments or showed them again. ?before= names the first card of a page, for the page
    before it; ?page= is still read (older links)."""
    if not request.user.has_perm("comments.view_comment"):
        raise PermissionDenied
    show = request.GET.get("show", "")
    if show not in SHOWS:
        show = ""
    try:
        before = _key(request, "before")
        after = _key(request) if before is None else None
    except ValueError:
        return HttpResponseBadRequest(BAD_AFTER, content_type="text/plain; charset=utf-8")
    here = reverse("moderation-comments") + (f"?show={show}" if show else "")
    joiner = "&" if show else "?"
    until = None
    if before is not None:
        until = _page_before(show, before, here, joiner)
        if isinstance(until, HttpResponseRedirect):
            return until
    partial = request.GET.get("partial") == "1"
    try:
        back = _came_back(request, show, after) if partial else []
        taken = _taken(request, show) if partial else []
        seen = _seen(request)
        # The refill's page starts after the card it names (from=); its `after` is its last.
        from_key = _key(request, "from", "from_since") if partial else None
    except ValueError:
        return HttpResponseBadRequest(BAD_SHOWN, content_type="text/plain; charset=utf-8")
    if until is not None:
        # The queue's start, up to the card the page before was asked from.
        total, ahead, comments = _queue(show).count(), 0, until
        position = f"{joiner}before={before[1]}&since={quote(_key_since(before[0]))}"
    elif after is not None:
        total, ahead = _queue(show).count_up_to(after)
        comments = _queue(show, after)[:PER_PAGE]
        position = f"{joiner}{_from(after)}"
    else:
        page = Paginator(_queue(show), PER_PAGE).get_page(request.GET.get("page"))
        total, comments = page.paginator.count, page.object_list
        ahead = page.start_index() - 1 if comments else 0
        position = f"{joiner}page={page.number}" if page.number > 1 else ""
    items = _items(comments, request.user)
    # Where this page starts, for the comments that come back to the queue within it
    # (_back): after the card the page goes on from; on an older, counted page, its first.
    start = after if after is not None else (
        (items[0]["comment"].waiting_since, items[0]["comment"].pk)
        if items and ahead else None)
    last = (items[-1]["comment"].waiting_since, items[-1]["comment"].pk) if items else None
    first = items[0]["comment"] if items else None
    if partial:
        start = from_key
    elif start is not None and seen is None:
        seen = ModerationAction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    earlier = (_back_earlier(show, start, seen, here, joiner, after is not None or partial,
                             _shown(request) or set() if partial else set())
               if start is not None and seen is not None else None)
    position += f"{'&' if position or show else '?'}seen={seen}" if earlier is not None else ""
    context = _context(
        request, title="Comment queue", total=total, show=show, ahead=ahead,
        shown_to=ahead + len(items),
        shows=[(key, label, f"?show={key}" if key else "?") for key, label in SHOWS.items()],
        items=items,
        # Where a decision returns to (this page of the queue), and where the
        # script asks for the comments that come next (after the last card it has:
        # desk.js adds "after" and "since", read from the card).
        next_url=here + position,
        more_url=f"{here}{joiner}partial=1" + (
            f"&from={start[1]}&from_since={quote(_key_since(start[0]))}" if start else "")
        + (f"&seen={seen}" if earlier is not None else ""),
        back=back, back_notice=BACK, taken=taken, earlier=earlier,
        # After the last card shown, and before the first: what the pages around it hold
        # however many were decided meanwhile.
        next_page=(f"{here}{joiner}{_from(last)}" if last and ahead + len(items) < total
                   # The page before a card, all of it decided meanwhile: the queue's start.
                   else here if until == [] and total else ""),
        previous_page=(f"{here}{joiner}before={first.pk}&since={quote(_since(first))}"
                       if first and ahead else (here if ahead else "")),
        undoable=(moderation.undoable_decisions(request.user)[:5]
                  if _can_decide(request.user) else []),
    )
    return TemplateResponse(request, TEMPLATE + ("#refill" if partial else ""), context)


BACK = "Back in the queue: it was decided after this page was loaded, and is waiting again."
BAD_SHOWN = ("“shown” lists the numbers of the comments the page shows, separated by commas "
             f"(up to {SHOWN_MAX}); “from” and “from_since” name the card the page starts "
             f"after, as “after” and “since” do; “seen” is the number of the moderation "
             f"log's last entry when the page was first drawn.")
UNDONE_TARGET = re.compile(r"comment (\d+) by ")


def _seen(request):
    """The moderation log's last entry when the page was first drawn (?seen=), None when not
    sent; ValueError when it is not a number."""
    seen = request.GET.get("seen")
    if seen is None:
        return None
    if not seen.isdigit() or len(seen) > 18:
        raise ValueError(seen)
    return int(seen)


def _back_earlier(show, start, seen, here, joiner, inclusive, shown=frozenset()):
    """The comments that came back to the queue before this page since it was first drawn
    (their decisions undone after log entry `seen`): {"numbers": in the queue's order,
    "url": the page that holds the first of them}; their places are on an earlier page, where
    the moderator on this one never saw them. start: the page's first card, or the card it
    goes on after (inclusive: that card is before the page too); shown: the page's cards."""
    targets = (ModerationAction.objects.filter(pk__gt=seen, action__startswith="undo ",
                                               target__startswith="comment ")
               .order_by("pk").values_list("target", flat=True)[:SHOWN_MAX])
    ids = {int(found.group(1)) for target in targets
           if (found := UNDONE_TARGET.match(target))} - shown
    if not ids:
        return {"numbers": [], "url": ""}
    # Keys are (waiting since, id), ids whole numbers: before (since, id + 1) is up to it.
    bound = (start[0], start[1] + 1) if inclusive else start
    keys = list(_queue(show, before=bound, ids=ids).keys())[::-1]
    if not keys:
        return {"numbers": [], "url": ""}
    url = here  # the page that goes on from the card before the first of them
    for pk, since in _queue(show, before=(keys[0][1], keys[0][0])).keys()[:1]:
        url = f"{here}{joiner}{_from((since, pk))}"
    return {"numbers": [pk for pk, _ in keys], "url": url}


def _came_back(request, show, last):
    """The comments waiting within the page the script's refill is asked from, sorted
    before its last card (`last`), that it does not show (?shown=<ids>): decided after the
    page was drawn and back since (another moderator's Undo). Asked for after its last
    card alone, the refill never brought them: they stayed off the page until it was
    loaded again. ValueError when `shown` or the page's start cannot be read."""
    shown = _shown(request)
    if shown is None or last is None:
        return []
    start = _key(request, "from", "from_since")
    # Within the page, what waits is on it or came back: as many keys as the page has cards.
    keys = _queue(show, after=start, before=last).keys()
    ids = [pk for pk, _ in reversed(list(keys)) if pk not in shown][:PER_PAGE]
    found = _comments().filter(pk__in=ids).in_bulk()
    return _items([found[pk] for pk in ids if pk in found], request.user)


def _shown(request):
    """The numbers of the cards the page shows (?shown=), None when not sent; ValueError when
    they cannot be read."""
    shown = request.GET.get("shown")
    if shown is None:
        return None
    numbers = shown.split(",") if shown else []
    if len(numbers) > SHOWN_MAX or not all(n.isdigit() and len(n) <= 18 for n in numbers):
        raise ValueError(shown)
    return {int(n) for n in numbers}


def _taken(request, show):
    """[(id, notice)] for the page's cards (?shown=) that no longer wait in the view: decided
    by another moderator since the page was drawn, or deleted. The refill names them where
    their cards are, as a decision on them is answered: they were marked only when acted on,
    after the moderator had read them and written a note."""
    shown = _shown(request)
    if not shown:
        return []
    view = {"": waiting(), "held": Q(status=Comment.Status.PENDING), "reported": reported()}
    still = set(Comment.objects.filter(view[show], pk__in=shown).values_list("pk", flat=True))
    gone = shown - still
    if not gone:
        return []
    found = (Comment.objects.filter(pk__in=gone).select_related("moderator", "reader")
             .in_bulk())
    return [(pk, _decided_meanwhile(found[pk], request.user) if pk in found else GONE)
            for pk in sorted(gone)]


def _page_before(show, before, here, joiner):
    """The page that ends before the card named: a redirect to the one that goes on after the
    card PER_PAGE before it; with no more than PER_PAGE before it, those comments (the
    queue's start, up to the card). The queue's first page had shown ten from its start,
    and so the cards of the page it was asked from, again, whenever fewer came before."""
    keys = list(_queue(show, before=before).keys()[:PER_PAGE + 1])
    if len(keys) > PER_PAGE:
        return HttpResponseRedirect(f"{here}{joiner}{_from(tuple(reversed(keys[-1])))}",
                                    status=303)
    ids = [pk for pk, _ in reversed(keys)]
    found = _comments().filter(pk__in=ids).in_bulk()
    return [found[pk] for pk in ids if pk in found]


def _next(request):
    """The queue page a decision came from, or the queue."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("moderation-comments")


def _back(request):
    return HttpResponseRedirect(_next(request), status=303)


NOT_SENT = ("A decision is sent with the buttons on the queue, not by opening its address. "
            "If you were just asked to sign in again, the decision you were sending was lost "
            "with your session: make it again from the queue.")


def _not_decided(request, notice, status, back_url, back_label, note=""):
    """A page saying why nothing was decided, with the way back to the queue and the note
    the moderator wrote, to copy."""
    response = TemplateResponse(request, "admin/moderation/not_decided.html", {
        **admin.site.each_context(request), "title": "Nothing was decided", "notice": notice,
        "note": note, "back_url": back_url, "back_label": back_label}, status=status)
    if status == 405:
        response["Allow"] = "POST"
    return response


def _not_sent(request):
    """A decide or undo address opened, not posted to: after a sign-in, the browser asks
    for the address the expired session was sending a decision to. A blank 405 said nothing."""
    return _not_decided(request, NOT_SENT, 405, reverse("moderation-comments"),
                       "Back to the comment queue")


def _no_longer_allowed(request, what):
    """The moderator's permissions changed since the queue was drawn (taken out of the
    Moderators group, say): a page of the desk's own saying so, with their note, not the
    public site's "not open to your account". A page, not a card's fragment, even to the
    script: it sends the form again plainly and shows this page (desk.js)."""
    return _not_decided(
        request, f"Nothing was decided: your account may no longer {what}. Its permissions "
                 f"were changed since this queue was shown; ask an administrator if that is a "
                 f"mistake.", 403, _next(request), "Back to the comment queue",
        note=" ".join(request.POST.get("reason", "").split()))


def _account_deleted(request):
    """The moderator's own account was deleted while the decision was sent (by an
    administrator): a page saying so, with their note."""
    return _not_decided(
        request, "Nothing was decided: your account has been deleted.", 403, _next(request),
        "Back to the comment queue", note=" ".join(request.POST.get("reason", "").split()))


def _note_kept(request, text, status):
    """The desk's own page saying why nothing was decided, with the moderator's note to copy;
    None when they wrote none. A card drawn again, a notice in its place or the queue
    again would each have lost the note (a plain page even to the script: desk.js sends the
    form again plainly)."""
    note = " ".join(request.POST.get("reason", "").split())
    if not note:
        return None
    return _not_decided(request, text, status, _next(request), "Back to the comment queue",
                        note=note)


GONE = "That comment no longer exists: it was deleted meanwhile. Nothing was decided."


def _gone(request):
    """The comment was deleted (or its story was) after the card was drawn."""
    text = GONE
    if kept := _note_kept(request, text, 404):
        return kept
    if _is_fetch(request):
        return _fragment(request, "notice", status=404, notice=text)
    return _not_decided(request, text, 404, _next(request), "Back to the comment queue")


def decide_comment(request, pk):
    """Approve, hide, or hide and restrict the reader: one click from the queue."""
    if request.method != "POST":
        return _not_sent(request)
    if not _can_decide(request.user):
        return _no_longer_allowed(request, "decide comments")
    decision = request.POST.get("decision", "")
    if decision not in DECISIONS:
        return HttpResponseBadRequest("Approve, hide or restrict.")
    status, restrict = DECISIONS[decision]
    if restrict and not _can_restrict(request.user):
        return _no_longer_allowed(request, "restrict readers (the comment was not hidden "
                                           "either)")
    reason = " ".join(request.POST.get("reason", "").split())
    if too_long := moderation.reason_refusal(reason):
        # A page, even to the script (desk.js sends the form again plainly), with the note.
        return _not_decided(request, too_long, 400, _next(request), "Back to the comment queue",
                            note=reason)
    with transaction.atomic():
        # The accounts it names first, as an administrator deleting one takes them.
        if not moderation.accounts_held(request.user, Comment.objects.filter(pk=pk)):
            return _account_deleted(request)
        # Locks the comment alone: PostgreSQL cannot lock the outer join to a former reader.
        locked = Comment.objects.select_for_update(of=("self",)).select_related("reader")
        comment = locked.filter(pk=pk).first()
        if comment is None:
            return _gone(request)
        if request.POST.get("version") != _version(comment):
            return _already_decided(request, comment)
        if not restrict and moderation.is_already(comment, status):
            return _already_so(request, comment)
        try:
            action = moderation.decide_comment(comment, status, request.user, reason, restrict)
        except moderation.RestrictionRefused as refusal:
            return _not_restricted(request, comment, str(refusal))
    done = _done(action, comment)
    if _is_fetch(request):
        return _fragment(request, "receipt", action=action, done=done, next_url=_next(request))
    messages.success(request, f"{done} You can undo it under “Your last decisions” for "
                              f"{moderation.UNDO_MINUTES} minutes.")
    return _back(request)


def _not_restricted(request, comment, refusal):
    """The restriction is refused (refusal: moderation.restriction_refusal's words): the
    card again, saying why and without the button, for the moderator to hide the comment
    alone."""
    if kept := _note_kept(request, refusal, 409):
        return kept
    if _is_fetch(request):
        again = list(_comments().filter(waiting(), pk=comment.pk))
        if again:
            return _fragment(request, "queue-item", status=409, next_url=_next(request),
                             item=_items(again, request.user)[0], card_notice=refusal)
        return _fragment(request, "notice", status=409, notice=refusal)
    messages.error(request, refusal)
    return _back(request)


def _already_so(request, comment):
    """The decision would change nothing (moderation.is_already): no new entry in the log,
    nor a new moderator on the comment, for what someone else decided."""
    text = (f"This comment is already {comment.get_status_display().lower()}, with no open "
            f"report. Nothing was changed.")
    if kept := _note_kept(request, text, 409):
        return kept
    if _is_fetch(request):
        return _fragment(request, "notice", status=409, notice=text)
    messages.warning(request, text)
    return _back(request)


def _already_decided(request, comment):
    """Someone decided the comment after the card was drawn: say so rather than overrule them."""
    text = _decided_meanwhile(comment, request.user)
    if kept := _note_kept(request, text, 409):
        return kept
    if _is_fetch(request):
        return _fragment(request, "notice", status=409, notice=text)
    messages.warning(request, text)
    return _back(request)


def _decided_meanwhile(comment, user):
    """What a card decided by someone since it was drawn is told (comment: with its
    moderator and reader)."""
    if comment.moderator_id == user.pk:
        by = "You have"  # the same card sent twice, or from another tab
    else:
        by = (comment.moderator.get_username() if comment.moderator_id
              else "Another moderator") + " has"
    # Named as its card was: the notice takes the card's place, and after a run of decisions
    # "this comment" alone did not say which it had been.
    return (f"{by} already decided this comment ({comment.get_status_display().lower()}) "
            f"since the page was loaded: comment {comment.pk} by {comment.author_name}. "
            f"Nothing was changed.")


def undo_decision(request, pk):
    """Put a comment back as it was before the moderator's own recent decision."""
    if request.method != "POST":
        return _not_sent(request)
    if not _can_decide(request.user):
        return _no_longer_allowed(request, "decide comments, nor undo its decisions")
    action = get_object_or_404(ModerationAction, pk=pk, moderator=request.user)
    try:
        comment, kept = moderation.undo_decision(action, request.user)
    except moderation.UndoRefused as refusal:
        if _is_fetch(request):
            return _fragment(request, "notice", status=409, notice=str(refusal))
        messages.error(request, str(refusal))
        return _back(request)
    text = (f"Undone: the comment by {comment.author_name} is "
            f"{comment.get_status_display().lower()} again. {kept}").strip()
    if _is_fetch(request):
        waiting_again = list(_comments().filter(waiting(), pk=comment.pk))
        if waiting_again:
            return _fragment(request, "queue-item", item=_items(waiting_again, request.user)[0],
                             next_url=_next(request), card_notice=kept)
        return _fragment(request, "notice", notice=text)
    (messages.warning if kept else messages.success)(request, text)
    return _back(request)
