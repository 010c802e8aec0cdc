"""What comments do when an account is made: a restricted reader's standing follows their mailbox."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save


def _account_created(sender, instance, created, raw=False, **kwargs):
    from .moderation import carry_standing

    if created and not raw and not instance.is_staff:
        carry_standing(instance)


def connect():
    """Listen to new accounts of the user model and of every proxy of it: Django names
    the proxy an account was made through (accounts.Reader in the admin) as the sender."""
    user = get_user_model()
    for model in apps.get_models():
        if model._meta.concrete_model is user:
            post_save.connect(_account_created, sender=model,
                              dispatch_uid=f"comments-carry-standing-{model._meta.label_lower}")
