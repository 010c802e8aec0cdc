"""The newsletter on the reader's account page (accounts shows it through core.hooks).

Subscriptions belong to email addresses, not to accounts, and an account's
address is not proven to be its owner's (sign-up never refuses an address in
use: views.signup in accounts). So the page says nothing about whether the
account's address is subscribed, and holds no preferences link: that link is
sent only to the address itself (views.subscribe emails it to a subscribed
address asked for again).
"""


def newsletter_choices(request):
    return {"template": "accounts/sections/newsletter.html",
            "context": {"account_email": request.user.email}}


def email_change_note(user):
    """Said whether or not the account's old address is subscribed, which must not show."""
    return ("The newsletter does not follow your account: it keeps going to the address "
            "that subscribed, so to move it, subscribe the new address and leave with the "
            "link at the end of an edition sent to the old one.")
