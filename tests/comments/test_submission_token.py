"""One form submission stores at most one comment, however often it is sent."""

from html import unescape

import pytest
from django.core.cache import cache

from comments import views
from comments.models import Comment
from core import ratelimit
from tests.commenting import comment_form, submission_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/articles/harbour/comments/"
RELOAD = ("This form was incomplete, so nothing was posted. Your text is still here: "
          "please post again (reload the page if this keeps happening).")


def test_every_rendered_form_carries_a_fresh_token(client, article, reader):
    pages = [client.get(URL).content.decode(), client.get(URL + "?partial=1").content.decode(),
             client.get(URL + "?partial=1").content.decode()]
    tokens = [submission_token(page) for page in pages]
    assert len(set(tokens)) == 3
    assert all(len(token) >= 16 for token in tokens)


def test_the_same_form_sent_twice_stores_one_comment_and_answers_alike(client, article, reader):
    data = comment_form(client, "harbour", body="Sent twice by a double click.")
    first = client.post(URL, data)
    cache.clear()  # not the rate limit: the token alone must hold
    second = client.post(URL, data)
    comment = Comment.objects.get()
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"] == f"{URL}#comment-{comment.pk}"
    page = client.get(second["Location"]).content.decode()
    assert "Your comment is published." in page
    assert comment.body == "Sent twice by a double click." and comment.reader == reader


def test_sent_again_within_the_burst_limit_it_is_the_same_answer_not_429(client, article,
                                                                         reader):
    data = comment_form(client, "harbour", body="A retry one second later.")
    first = client.post(URL, data)
    again = client.post(URL, data)
    assert (first.status_code, again.status_code) == (303, 303)
    assert first["Location"] == again["Location"]
    assert Comment.objects.count() == 1


def test_the_script_gets_the_same_block_and_a_new_token_for_the_next_comment(client, article,
                                                                            reader):
    data = comment_form(client, "harbour", body="From the script, twice.")
    answers = [client.post(URL + "?partial=1", data) for _ in range(2)]
    for answer in answers:
        html = answer.content.decode()
        assert answer.status_code == 200
        assert "Your comment is published." in html and "From the script, twice." in html
        assert submission_token(html) != data["submission_token"]
    assert Comment.objects.count() == 1


def test_a_held_comment_sent_twice_is_held_once(client, article, reader):
    data = comment_form(client, "harbour", body="See https://example.org/proof")
    first, second = client.post(URL, data), client.post(URL, data)
    assert first["Location"] == second["Location"] == f"{URL}#comments"
    follow = client.get(second["Location"]).content.decode()
    assert "will appear once a moderator has reviewed it" in follow
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_twins_racing_in_two_processes_store_one(client, article, reader, monkeypatch):
    """The twin is stored between this request's look-up and its insert."""
    data = comment_form(client, "harbour", body="Two servers at once.")
    check_comment = views.check_comment

    def twin_commits_meanwhile(user, story, body):
        Comment.objects.create(article=story, reader=user, body=body,
                               submission_token=data["submission_token"])
        return check_comment(user, story, body)

    monkeypatch.setattr(views, "check_comment", twin_commits_meanwhile)
    response = client.post(URL, data)
    twin = Comment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"{URL}#comment-{twin.pk}"


@pytest.mark.parametrize("token", [None, "", "short", "x" * 65, "<script>alert(1)</script>"])
def test_a_post_without_a_valid_token_is_refused_with_the_text_kept(client, article, reader,
                                                                    token):
    data = {"body": "Typed with care."}
    if token is not None:
        data["submission_token"] = token
    response = client.post(URL, data)
    html = unescape(response.content.decode())
    assert response.status_code == 400
    assert RELOAD in html
    assert "Typed with care." in html
    assert not Comment.objects.exists()
    # The form that comes back carries a good token: posting it again works.
    retry = client.post(URL, {"body": "Typed with care.",
                              "submission_token": submission_token(html)})
    assert retry.status_code == 303
    assert Comment.objects.get().body == "Typed with care."


def test_a_refused_form_keeps_its_token_so_a_corrected_retry_is_one_submission(
        client, article, reader):
    data = comment_form(client, "harbour", body="x" * 251)
    refused = client.post(URL, data).content.decode()
    assert submission_token(refused) == data["submission_token"]
    assert client.post(URL, {**data, "body": "Shorter now."}).status_code == 303
    assert client.post(URL, {**data, "body": "Shorter now."}).status_code == 303
    assert Comment.objects.count() == 1


def test_tokens_belong_to_their_reader(client, article, reader):
    data = comment_form(client, "harbour", body="Mine.")
    assert client.post(URL, data).status_code == 303
    client.force_login(UserFactory(username="ben"))
    assert client.post(URL, {**data, "body": "Ben's, same token."}).status_code == 303
    assert sorted(Comment.objects.values_list("reader__username", flat=True)) == ["ana", "ben"]


class TestStoreUnavailable:
    @pytest.fixture(autouse=True)
    def store_down(self, monkeypatch):
        def unavailable(*args, **kwargs):
            raise ratelimit.Unavailable("redis is down")

        monkeypatch.setattr(ratelimit, "acquire", unavailable)

    @pytest.mark.parametrize("partial", [False, True])
    def test_a_comment_gets_503_with_the_text_kept_and_nothing_stored(self, client, article,
                                                                      reader, partial):
        data = comment_form(client, "harbour", body="Wait for me.")
        response = client.post(URL + ("?partial=1" if partial else ""), data)
        html = unescape(response.content.decode())
        assert response.status_code == 503
        assert ("We can't take posts for a moment; your text is still here. "
                "Please try again in a minute.") in html
        assert "Wait for me." in html
        assert submission_token(html) == data["submission_token"]
        assert not Comment.objects.exists()

    def test_a_bias_report_gets_503_with_the_text_kept(self, client, article):
        response = client.post("/articles/harbour/report-bias/",
                               {"reason": "other", "details": "Only one side was asked."})
        html = unescape(response.content.decode())
        assert response.status_code == 503
        assert "We can't take posts for a moment" in html
        assert "Only one side was asked." in html
