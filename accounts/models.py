from django.conf import settings
from django.contrib.auth.models import User
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
    def hold(cls, user, until):
        """Hold user's name and address until `until` (the account is being deleted)."""
        skeleton, folded = readings(user.get_username())
        return cls.objects.create(skeleton=skeleton, folded=folded, until=until,
                                  email=email_key(user.email) if user.email else "")


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


class Reader(User):
    """Readers' accounts as the newsroom's admin shows them (staff are left out there)."""

    class Meta:
        proxy = True
