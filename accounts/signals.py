from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from .models import EmailChanged, UsernameSkeleton


@receiver(post_save, sender=get_user_model(), dispatch_uid="accounts-username-skeleton")
def _username_saved(sender, instance, created, update_fields=None, **kwargs):
    """Keep the username's skeleton current, however the user was saved (admin, shell, fixture)."""
    if not created and update_fields is not None and "username" not in update_fields:
        return  # a sign-in saves last_login only
    UsernameSkeleton.keep_up(instance)


@receiver(pre_save, sender=get_user_model(), dispatch_uid="accounts-email-changed")
def _email_saved(sender, instance, update_fields=None, raw=False, **kwargs):
    """Note when an existing account's address changes (the form's link, the admin, a shell)."""
    if raw or instance._state.adding or (update_fields is not None
                                         and "email" not in update_fields):
        return
    before = sender._default_manager.filter(pk=instance.pk).values_list(
        "email", flat=True).first()
    if before is not None and before != instance.email:
        EmailChanged.objects.update_or_create(user_id=instance.pk,
                                              defaults={"at": timezone.now()})
