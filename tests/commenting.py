"""Posting a comment as a reader does: fetch the form, send it back with its token."""

import re

TOKEN = re.compile(r'<input type="hidden" name="submission_token" value="([A-Za-z0-9_-]+)"')


def submission_token(html):
    """The submission token of the comment form in html (a page or the block)."""
    match = TOKEN.search(html)
    assert match, "no comment form with a submission token in the page"
    return match[1]


def comment_form(client, slug, **data):
    """The fields of a freshly rendered comment form on slug's comments, with data filled in."""
    html = client.get(f"/articles/{slug}/comments/?partial=1").content.decode()
    return {"submission_token": submission_token(html), **data}


def post_comment(client, slug, body, partial=False, **extra):
    """Fetch the form, then post body with its token, as the page's form would."""
    url = f"/articles/{slug}/comments/" + ("?partial=1" if partial else "")
    return client.post(url, comment_form(client, slug, body=body, **extra))
