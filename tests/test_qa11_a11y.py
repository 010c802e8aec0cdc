"""WCAG 2.2 AA, QA round 11: a refused bias report says how to put it right (3.3.3)."""

import pytest

from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("data", "field", "message"), [
    # Django's "This field is required." and "Enter a valid URL." said what was wrong,
    # not what to do; the email field beside them already gave an example.
    ({}, "reason", "Choose the kind of bias you saw: one of the six below."),
    ({"reason": "factual_error", "evidence_url": "ferry timetable"}, "evidence_url",
     "Enter the link’s whole address, such as https://www.example.org/story, or leave "
     "this empty."),
])
def test_a_refused_bias_report_says_what_to_do(client, data, field, message):
    story = ArticleFactory(slug="harbour")
    response = client.post(f"/articles/{story.slug}/report-bias/", data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
