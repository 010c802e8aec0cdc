"""The newsletter's emails: the confirmation, "already subscribed", and the edition itself.

Each is built by the task worker when it sends, so the queue holds ids, not
addresses or signed links.
"""

import secrets
from collections import OrderedDict

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe

from core.images import fallback
from core.mail import AutomaticEmail, site_host

from . import tokens

LEAD_IMAGE_WIDTH = 536  # px: the 600 px column less its side padding
# Stories an edition shows; the rest are counted and linked to. At about 1.5 KB
# of HTML a story, 40 keep an edition well under the 102 KB past which Gmail
# clips a message, hiding its footer (and the links to leave).
MAX_STORIES = 40


def absolute(path_or_url):
    """A link that works from an inbox: relative paths get SITE_URL in front."""
    return path_or_url if "://" in path_or_url else settings.SITE_URL + path_or_url


def link(name, subscriber, purpose):
    return absolute(reverse(name, args=[tokens.make(subscriber, purpose)]))


def follows(subscriber):
    """What a subscriber follows, in words: ["the daily edition", "World", "Li Wei (AI)"]."""
    names = ["the daily edition"] if subscriber.is_daily else []
    names += [section.name for section in subscriber.sections.all()]
    names += [f"{author.name} (AI persona)" if author.is_ai else author.name
              for author in subscriber.authors.all()]
    return names


def confirmation(subscriber):
    """Ask the address's owner to confirm; the only email an unconfirmed address gets."""
    context = {"confirm_url": link("newsletter:confirm", subscriber, tokens.CONFIRM),
               "follows": follows(subscriber), "days": tokens.CONFIRM_DAYS,
               "SITE_NAME": settings.SITE_NAME}
    return AutomaticEmail(
        f"Confirm your {settings.SITE_NAME} subscription",
        render_to_string("newsletter/email/confirm.txt", context), [subscriber.email])


def already_subscribed(subscriber):
    """Someone subscribed an address that is already subscribed: tell its owner only.

    Said as it is: paused, or following nothing any more (what it followed was
    deleted), the address receives nothing.
    """
    names = follows(subscriber)
    receives = bool(names) and not subscriber.is_paused
    context = {"preferences_url": link("newsletter:preferences", subscriber, tokens.MANAGE),
               "follows": names, "receives": receives, "paused_at": subscriber.paused_at,
               "SITE_NAME": settings.SITE_NAME}
    subject = (f"You already receive {settings.SITE_NAME}" if receives
               else f"You are already subscribed to {settings.SITE_NAME}")
    return AutomaticEmail(
        subject, render_to_string("newsletter/email/already.txt", context), [subscriber.email])


# The edition ------------------------------------------------------------------------

def involvement(story):
    """The story's AI involvement line, as on its page: (label, the rest)."""
    shown = story.ai_involvement_shown
    if shown == "generated":
        persona = (f", writing as the persona {story.author.name}" if story.author.is_ai
                   else "")
        label, text = "AI involvement: generated.", f"An AI system wrote this story{persona}."
    elif shown == "assisted":
        label, text = ("AI involvement: assisted.",
                       "People wrote this story with the help of AI tools.")
    else:
        return ("AI involvement: none.",
                "People reported and wrote this story without AI tools.")
    reviewer = story.ai_reviewed_by
    if reviewer is not None:
        # Their full name, as the story's page gives it; never their sign-in name.
        name = reviewer.get_full_name()
        text += f" Reviewed by {name}, a human editor." if name else \
            " Reviewed by a human editor."
    else:
        text += " No editor’s review is on record."
    return label, text


def lead_image(story):
    """The story's picture for the top of an edition: absolute URL, width, height and the
    credit its page shows (with its AI label); or None."""
    if not story.image:
        return None
    image = fallback(story.image_renditions, story.image.storage, target=2 * LEAD_IMAGE_WIDTH)
    if image is None:
        return None
    return {"url": absolute(image["url"]), "width": LEAD_IMAGE_WIDTH,
            "height": round(image["height"] * LEAD_IMAGE_WIDTH / image["width"]),
            "credit": story.image_credit}


def greeting(moment):
    """"Good morning." and so on, by the edition's time of day (EDITION_TIME may be any)."""
    if moment.hour < 12:
        return "Good morning."
    return "Good afternoon." if moment.hour < 18 else "Good evening."


def beyond(stories):
    """What an edition leaves out of `stories` (past MAX_STORIES): how many stories, and
    in which sections, with their links, in the edition's order."""
    left = stories[MAX_STORIES:]
    sections = OrderedDict()
    for story in left:
        if story.section.pk not in sections:
            sections[story.section.pk] = {"name": story.section.name, "count": 0,
                                          "url": absolute(story.section.get_absolute_url())}
        sections[story.section.pk]["count"] += 1
    return {"count": len(left), "sections": list(sections.values())}


# Stand-ins for a subscriber's own links in a body rendered for everyone who
# follows the same things; letters and digits, so escaping leaves them as
# they are. Random, made anew by each process and never sent: no headline or
# correction can contain them, so nothing a story says becomes a reader's link.
_PREFERENCES = f"EVADAILY-PREFERENCES-{secrets.token_hex(16)}"
_UNSUBSCRIBE = f"EVADAILY-UNSUBSCRIBE-{secrets.token_hex(16)}"


class Renders:
    """What a batch renders once and sends many times.

    Each story's HTML and text are rendered once whoever gets them, and each
    distinct edition body (subscribers who follow the same things get the
    same stories) once, with the subscriber's own links put in afterwards.
    """

    BODIES = 64  # distinct bodies kept at a time: memory stays bounded

    def __init__(self):
        self._blocks = {}
        self._bodies = OrderedDict()

    def story(self, story, lead=False):
        key = (story.pk, lead)
        if key not in self._blocks:
            author_url = absolute(story.author.get_absolute_url())
            label, text = involvement(story)
            context = {
                "story": story, "url": absolute(story.get_absolute_url()),
                "author_url": author_url, "involvement_label": label,
                "involvement_text": text,
                "published_at": timezone.localtime(story.published_at),
                "image": lead_image(story) if lead else None,
            }
            self._blocks[key] = (
                mark_safe(render_to_string("newsletter/email/story.html", context)),
                render_to_string("newsletter/email/story.txt", context).strip())
        return self._blocks[key]

    def body(self, edition, stories, corrections, follow_names):
        """(text, html) of an edition, with stand-ins for the subscriber's links."""
        key = (edition.pk, tuple(s.pk for s in stories), tuple(c.pk for c in corrections),
               tuple(follow_names))
        if key in self._bodies:
            self._bodies.move_to_end(key)
        else:
            self._bodies[key] = self._render(edition, stories, corrections, follow_names)
            if len(self._bodies) > self.BODIES:
                self._bodies.popitem(last=False)
        return self._bodies[key]

    def _render(self, edition, stories, corrections, follow_names):
        more = beyond(stories)
        stories = stories[:MAX_STORIES]  # the first in the edition's order (section, newest)
        groups = []
        for story in stories:  # already in section order
            if not groups or groups[-1]["section"] != story.section:
                groups.append({"section": story.section, "html": [], "text": []})
            html, text = self.story(story, lead=story is stories[0])
            groups[-1]["html"].append(html)
            groups[-1]["text"].append(text)
        moment = timezone.localtime(edition.scheduled_at)
        context = {
            "SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL,
            "date": moment, "greeting": greeting(moment), "groups": groups,
            "count": len(stories), "total": len(stories) + more["count"], "more": more,
            "corrections": [{"correction": c, "url": absolute(
                f"{c.article.get_absolute_url()}#correction-{c.pk}")} for c in corrections],
            "follows": follow_names,
            "preferences_url": _PREFERENCES, "unsubscribe_url": _UNSUBSCRIBE,
        }
        return (render_to_string("newsletter/email/edition.txt", context),
                render_to_string("newsletter/email/edition.html", context))


class UnfoldedHeader(str):
    """A header that goes out on one line, as it is: for a value that must not be folded.

    Python's email package folds headers at 78 characters, and a word longer
    than that, such as a URL with a signed token, it can only fold into
    RFC 2047 encoded-words ("=?utf-8?q?=3Chttps...?="). Those are not allowed
    around a URL in angle brackets (RFC 2047 section 5, RFC 2369): mail
    clients would find no List-Unsubscribe address. An object with a `name`
    is a header object to the email package, which lets it fold itself
    (email.policy.EmailPolicy.fold); this one keeps to the 998 characters a
    line may have (RFC 5322 section 2.1.1), far more than our URLs need.
    """

    def __new__(cls, name, value):
        if "\r" in value or "\n" in value:  # as the email package refuses for any header
            raise ValueError(f"Header values can't contain newlines (got {value!r})")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def __getnewargs__(self):  # copied and pickled whole (the locmem backend copies)
        return self.name, str(self)

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


def edition(edition, subscriber, stories, corrections, renders, follow_names):
    """One subscriber's edition: HTML and plain text, with one-click unsubscribe headers."""
    text, html = renders.body(edition, stories, corrections, follow_names)
    preferences_url = link("newsletter:preferences", subscriber, tokens.MANAGE)
    unsubscribe_url = link("newsletter:unsubscribe", subscriber, tokens.MANAGE)

    def own(body):
        return body.replace(_PREFERENCES, preferences_url).replace(_UNSUBSCRIBE,
                                                                   unsubscribe_url)

    moment = timezone.localtime(edition.scheduled_at)
    host = site_host()
    return AutomaticEmail(
        f"{settings.SITE_NAME} for {dateformat.format(moment, 'l, F j, Y')}", own(text),
        [subscriber.email], html=own(html), headers={
            # RFC 2369 and RFC 8058: mail clients offer a one-click "Unsubscribe"
            # that POSTs to this address.
            "List-Unsubscribe": UnfoldedHeader("List-Unsubscribe", f"<{unsubscribe_url}>"),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{settings.SITE_NAME} editions <editions.{host}>",
            # The same id whenever this edition is sent to this subscriber, so
            # that a copy sent again after a crash can be recognised as one.
            "Message-ID": f"<edition-{edition.pk}.{subscriber.pk}@{host}>",
        })
