"""Where an app shows or clears what another app, one it must not import, keeps.

`comments` and `standards` sit side by side above `articles` and import
neither each other; `accounts` builds on `core` alone. Yet the transparency
report (standards) counts comments, the moderation overview (standards)
lists the comment queues, every moderation decision lands in one log
(comments), purge_personal_data (accounts) clears what every app keeps, and
the reader's account page (accounts) shows their comments and newsletter,
and the reader's copy of their data (accounts) holds what every app keeps for them.
Each of those takes its pieces from here: an app registers them in its
AppConfig.ready(), and the owner calls whatever is registered.
"""

from django.dispatch import Signal


class Hook:
    """An ordered set of functions, called in the order the apps registered them."""

    def __init__(self, doc):
        self.__doc__ = doc
        self._functions = []

    def register(self, function):
        if function not in self._functions:
            self._functions.append(function)
        return function

    def __iter__(self):
        return iter(list(self._functions))


transparency_figures = Hook(
    "fn(periods, now) -> (name, [one dict of figures per period]); "
    "the report shows each block under its name.")

moderation_queues = Hook(
    "fn() -> [{'label', 'count', 'oldest', 'url'}]: what waits for a moderator, "
    "listed on the moderation overview before the owner's own queues.")

personal_data = Hook(
    "fn(cutoff) -> [(count, 'what was removed')]: personal data older than cutoff, "
    "removed by purge_personal_data inside its transaction; data kept under a rule of "
    "its own gives it third: (count, 'what', 'older than 7 days').")

account_sections = Hook(
    "fn(request) -> {'template', 'context'} or None: a part of the signed-in reader's "
    "account page (accounts) about what another app keeps for them, shown in order after "
    "the account's own details.")

account_data = Hook(
    "fn(user) -> {'name': JSON-ready value} or None: what another app keeps for the account, "
    "in the reader's own copy of it (/accounts/export/), in the words the account page uses "
    "and never naming a moderator; dates may be datetimes (written as ISO 8601).")

email_change_notes = Hook(
    "fn(user) -> a sentence or None: what changing the account's email address means for "
    "what another app keeps by address, shown where the reader asks for and confirms the "
    "change (accounts).")

password_checks = Hook(
    "fn(request) -> None, or a core.ratelimit.Refused: whether the signed-in account's "
    "password may be checked now (accounts limits how often, per account); the admin's "
    "password change asks before it checks the old password.")

decisions_about = Hook(
    "fn(target, prefix=False, limit=100) -> the moderation log's entries about one record, "
    "newest first, at most limit: those whose target (as its decisions name it: record_decision) "
    "is `target`, or begins with it when prefix. Each has created_at, moderator, action and "
    "reason. A record's admin History page lists them (core.admin.DecisionsInHistoryMixin).")

# A moderator decided something (a comment, a bias report, a reader's standing).
# Arguments: moderator, action, target (its str() is kept), reason.
moderated = Signal()


def record_decision(moderator, action, target, reason=""):
    """Announce a moderation decision; the moderation log writes it down."""
    moderated.send(sender=None, moderator=moderator, action=action, target=target,
                   reason=reason)
