from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from .models import EmailChanged, UsernameSkeleton


def _username_saved(sender, instance, created, update_fields=None, **kwargs):
    """Keep the username's skeleton current, however the user was saved (admin, shell, fixture)."""
    if not created and update_fields is not None and "username" not in update_fields:
        return  # a sign-in saves last_login only
    UsernameSkeleton.keep_up(instance)


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


def connect():
    """Listen to saves of the user model and of every proxy of it (accounts.Reader, and
    any an app adds): Django names a proxy, not the model behind it, as a save's sender."""
    user = get_user_model()
    for model in apps.get_models():
        if model._meta.concrete_model is user:
            label = model._meta.label_lower
            post_save.connect(_username_saved, sender=model,
                              dispatch_uid=f"accounts-username-skeleton-{label}")
            pre_save.connect(_email_saved, sender=model,
                             dispatch_uid=f"accounts-email-changed-{label}")
