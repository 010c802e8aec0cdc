"""The trap field of templates/includes/honeypot.html, on every public form."""

HONEYPOT_FIELD = "website"
HONEYPOT_REFUSAL = "This form could not be sent, and nothing was saved. Please try again."


def honeypot_filled(data):
    """Whether the field people never see came back filled in: a bot sent the form."""
    return any(data.getlist(HONEYPOT_FIELD))
