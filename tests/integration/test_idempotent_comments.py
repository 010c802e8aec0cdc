"""A comment form sent several times at once, to several gunicorn workers, stores one comment.

On the SQLite default the rate limit's file cache cannot add atomically, so
the limit alone let duplicates through; the form's token in the database holds.
"""

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.commenting import submission_token

from .conftest import FROM_PROXY, Client, signed_in_readers

pytestmark = pytest.mark.integration

READERS = 10
COPIES = 5  # of one form, per reader, all at the same moment

STORED_COMMENTS = """
from comments.models import Comment

rows = Comment.objects.filter(body__startswith=PARAMS["prefix"])
print("RESULT " + json.dumps([[c.pk, c.reader.username, c.body] for c in rows]))
"""


def test_each_form_sent_five_times_at_once_is_stored_once(site, newsroom):
    server = site.start(workers=4, env=FROM_PROXY)
    names = [f"double_{i:02d}" for i in range(READERS)]
    sessions = signed_in_readers(site, names)
    path = f"/articles/{newsroom['published'][0]}/comments/"

    forms = []
    for i, name in enumerate(names):
        # Each reader from an address of their own: from one, the connection's
        # allowance (three in ten seconds) would refuse the others' forms.
        client = Client(address=f"198.51.100.{i + 1}")
        client.set_cookie("sessionid", sessions[name])
        page = client.get(server.url(path))  # also sets the csrftoken cookie
        assert page.status == 200, (name, page.status)
        assert f"Signed in as <strong>{name}</strong>" in page.text
        forms.append((name, client, {"body": f"Said once by {name}.",
                                     "submission_token": submission_token(page.text)}))

    sends = [form for form in forms for _ in range(COPIES)]
    start = threading.Barrier(len(sends), timeout=30)

    def send(form):
        name, client, data = form
        start.wait()
        return name, client.post(server.url(path), data)

    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        results = list(pool.map(send, sends, timeout=120))

    stored = site.shell(STORED_COMMENTS, prefix="Said once by ")
    assert sorted(body for _, _, body in stored) == sorted(f"Said once by {n}." for n in names)
    pk_of = {username: pk for pk, username, _ in stored}
    # Every copy is answered as the first was: to the one stored comment.
    answers = defaultdict(list)
    for name, response in results:
        answers[name].append((response.status, response.headers["Location"]))
    assert answers == {name: [(303, f"{path}#comment-{pk_of[name]}")] * COPIES
                       for name in names}
    assert site.server_errors() == []
