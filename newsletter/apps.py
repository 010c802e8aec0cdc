from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = "Newsletter"

    def ready(self):
        from core import hooks

        from .account import email_change_note, newsletter_choices
        from .personal_data import purge_unconfirmed

        hooks.personal_data.register(purge_unconfirmed)
        hooks.account_sections.register(newsletter_choices)
        hooks.email_change_notes.register(email_change_note)
