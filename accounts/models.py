from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q

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
