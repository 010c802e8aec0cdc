from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import UsernameSkeleton


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts-username-skeleton")
def _username_saved(sender, instance, created, update_fields=None, **kwargs):
    """Keep the username's skeleton current, however the user was saved (admin, shell, fixture)."""
    if not created and update_fields is not None and "username" not in update_fields:
        return  # a sign-in saves last_login only
    UsernameSkeleton.keep_up(instance)
