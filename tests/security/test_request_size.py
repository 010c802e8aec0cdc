"""Request bodies over the limit are refused before a byte of them is read."""

import socket
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from comments.models import Comment
from tests.factories import ArticleFactory, UserFactory

URL = "/articles/harbour/comments/"


class Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


@pytest.fixture
def reader_client(db):
    ArticleFactory(slug="harbour")
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    return client


def post_unreadable(client, url=URL, **meta):
    return client.generic("POST", url, b"x", content_type="application/x-www-form-urlencoded",
                          **{"wsgi.input": Unreadable(), **meta})


def test_the_limits(settings):
    assert settings.MAX_REQUEST_BYTES == 256 * 1024
    # A form's fields may hold more (a story's long body, in the admin); readers' requests
    # are refused whole past MAX_REQUEST_BYTES before any field is read.
    assert (settings.MAX_REQUEST_BYTES < settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            < settings.ADMIN_MAX_REQUEST_BYTES)
    assert settings.ADMIN_MAX_REQUEST_BYTES > settings.MAX_REQUEST_BYTES


def test_a_declared_length_over_the_limit_is_refused_unread(reader_client, settings):
    response = post_unreadable(reader_client, CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1))
    assert response.status_code == 413
    assert response.content == b"Request too large: at most 256 KB may be sent here."
    assert Comment.objects.count() == 0


def test_a_body_at_the_limit_is_read(reader_client, settings):
    body = b"body=" + b"x" * (settings.MAX_REQUEST_BYTES - 5)
    response = reader_client.post(URL, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400  # read, and refused for its length: 262139 characters
    assert "this one has 262139" in response.content.decode()


def test_the_admin_takes_larger_uploads(reader_client, settings):
    photo = SimpleUploadedFile("photo.jpg", b"\xff" * (settings.MAX_REQUEST_BYTES + 1))
    data = {"username": "nobody", "password": "wrong", "image": photo}
    assert Client().post("/accounts/login/", data).status_code == 413
    photo.seek(0)
    assert Client().post("/admin/login/", data).status_code == 200  # read; sign-in refused
    response = post_unreadable(reader_client, "/admin/login/",
                               CONTENT_LENGTH=str(settings.ADMIN_MAX_REQUEST_BYTES + 1))
    assert response.status_code == 413
    assert "(45 MB)" in response.content.decode()  # in an editor's words


@pytest.mark.parametrize("length", ["abc", "1e3", "0x10", " "])
def test_a_length_that_is_not_a_number_is_a_bad_request(reader_client, length):
    response = post_unreadable(reader_client, CONTENT_LENGTH=length)
    assert response.status_code == 400


def test_a_negative_length_reads_nothing(reader_client):
    response = reader_client.generic("POST", URL, b"body=hello",
                                     content_type="application/x-www-form-urlencoded",
                                     CONTENT_LENGTH="-1")
    assert response.status_code == 400  # an empty form
    assert Comment.objects.count() == 0


def test_a_chunked_body_without_a_length_is_refused_unread(reader_client):
    # Django reads only the bytes Content-Length announces, so a chunked body
    # would arrive empty; the size check could not see it either.
    response = post_unreadable(reader_client, CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 400
    assert response.content == b"Send the body with a Content-Length."


def test_a_bad_request_is_kept_by_no_cache(settings):
    """Refused before the page cache runs (a Host not allowed, with HTTPS on), the 400
    still tells every cache not to keep it."""
    settings.SECURE_SSL_REDIRECT = True  # as HTTPS=True sets it
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_too_many_fields_are_a_bad_request(reader_client):
    response = reader_client.post(URL, b"body=x&" + b"f=1&" * 1500,
                                  content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert Comment.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_chunked_upload_through_a_real_server_is_refused_before_its_body(live_server):
    ArticleFactory(slug="harbour")
    address = urlsplit(live_server.url)
    headers = (f"POST {URL} HTTP/1.1\r\nHost: {address.netloc}\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\n"
               "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection((address.hostname, address.port), timeout=20) as connection:
        # The headers alone: the answer comes without waiting for a byte of the body.
        connection.sendall(headers)
        answer = b""
        while data := connection.recv(65536):
            answer += data
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].split(b" ")[1] == b"400", head
    assert body == b"Send the body with a Content-Length."
    assert Comment.objects.count() == 0
