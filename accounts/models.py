from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.ratelimit import email_key

from .usernames import readings


class UsernameSkeletonQuerySet(models.QuerySet):
    def looking_like(self, username):
        """Skeletons of usernames that look like username (TR39, case-blind)."""
        keys = readings(username)
        return self.filter(Q(skeleton__in=keys) | Q(folded__in=keys))


class UsernameSkeleton(models.Model):
    """How a username reads, kept beside the user so a look-alike is found by one query."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="username_skeleton")
    # Skeletons can be longer than the name: "m" reads as "rn".
    skeleton = models.CharField(max_length=600, db_index=True)
    folded = models.CharField(max_length=600, db_index=True)

    objects = UsernameSkeletonQuerySet.as_manager()

    def __str__(self):
        return self.skeleton

    @classmethod
    def keep_up(cls, user):
        """Store the readings of user's current username."""
        skeleton, folded = readings(user.get_username())
        cls.objects.update_or_create(user=user,
                                     defaults={"skeleton": skeleton, "folded": folded})


class HeldNameQuerySet(models.QuerySet):
    def in_force(self, now=None):
        return self.filter(until__gt=now or timezone.now())

    def looking_like(self, username):
        """Held names that username looks like (as UsernameSkeleton's)."""
        keys = readings(username)
        return self.filter(Q(skeleton__in=keys) | Q(folded__in=keys))

    def of_email(self, email):
        return self.filter(email=email_key(email))


class HeldName(models.Model):
    """A deleted account's name and address, held while the suspension it left runs.

    Deleting a suspended account and signing up again at once would start a
    clean record. So the name's readings (as UsernameSkeleton keeps them) and a
    keyed hash of the address (core.ratelimit.email_key: one key per mailbox,
    never the address) are kept until `until`, and sign-up refuses both
    meanwhile. Nothing else about the account is kept; purge_personal_data
    deletes the row once `until` has passed.
    """

    skeleton = models.CharField(max_length=600, db_index=True)
    folded = models.CharField(max_length=600, db_index=True)
    email = models.CharField(max_length=80, blank=True, db_index=True)
    until = models.DateTimeField()

    objects = HeldNameQuerySet.as_manager()

    def __str__(self):
        return f"{self.skeleton} until {self.until:%Y-%m-%d %H:%M}"

    @classmethod
    def hold(cls, user, until, restricted_at=None):
        """Hold user's name until `until` (the account is being deleted), and its address
        if the account proved it before it was restricted (ProvenEmail.proves)."""
        skeleton, folded = readings(user.get_username())
        email = email_key(user.email) if ProvenEmail.proves(user, restricted_at) else ""
        return cls.objects.create(skeleton=skeleton, folded=folded, until=until, email=email)


class EmailChanged(models.Model):
    """When an account's email address last changed, however it was changed.

    Email-change links are issued against it (email_change._state): a link
    sent before a change stays void even after the address changes back.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="+")
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.user_id}: {self.at:%Y-%m-%d %H:%M}"


class ProvenEmail(models.Model):
    """The mailbox an account proved it reads, by following a link sent there, and when.

    Sign-up takes any address unproven, so a troll could sign up with someone
    else's and get it held for a year when banned (HeldName, and the standings
    comments carry to a new account at the mailbox). An address is held, and
    its standing carried, only when the account proved it before it was
    restricted: before that, whoever reads the inbox need not be whoever was
    restricted. The link to confirm a new address proves it
    (email_change.apply), as does a password reset by link (views.
    PasswordResetConfirmView), which the welcome email offers. Only a keyed
    hash of the address (core.ratelimit.email_key) is kept; the first proof
    of a mailbox counts, so a reset after a ban does not date it anew.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                primary_key=True, related_name="proven_email")
    email = models.CharField(max_length=80)
    proven_at = models.DateTimeField()

    def __str__(self):
        return f"{self.user_id}: proven {self.proven_at:%Y-%m-%d %H:%M}"

    @classmethod
    def record(cls, user, now=None):
        """user's current address is proven (a link sent to it was followed)."""
        if not user.email:
            return
        key = email_key(user.email)
        proven = cls.objects.filter(user=user).first()
        if proven is None or proven.email != key:
            cls.objects.update_or_create(
                user=user, defaults={"email": key, "proven_at": now or timezone.now()})

    @classmethod
    def proves(cls, user, before=None):
        """Whether user proved the mailbox of its current address, before `before` if given."""
        if not user.email:
            return False
        proven = cls.objects.filter(user=user, email=email_key(user.email))
        if before is not None:
            proven = proven.filter(proven_at__lte=before)
        return proven.exists()


class Session(AbstractBaseSession):
    """A session, with the account signed in to it (accounts.sessions, SESSION_ENGINE).

    Django's way to find a user's sessions ("Extending database-backed session
    engines"): deleting an account ends every session signed in to it, in the
    database and in the cache, by an indexed lookup, and what those sessions
    held (a new address on its way, say) goes with them.
    """

    account_id = models.BigIntegerField(null=True, db_index=True)

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore


class Reader(User):
    """Readers' accounts as the newsroom's admin shows them (staff are left out there)."""

    class Meta:
        proxy = True


def kept_as_stored(account, changed=()):
    """Give account, held until the commit (core.rowlocks.still_there), the stored values of
    every field but those named in changed: its save then writes only what this request
    changed over what another saved meanwhile (a password changed, the account
    deactivated), where Django's save() writes every field as the request had read it."""
    stored = account._meta.model._default_manager.get(pk=account.pk)  # request.user: lazy
    for field in account._meta.concrete_fields:
        if field.name not in changed:
            setattr(account, field.attname, getattr(stored, field.attname))
