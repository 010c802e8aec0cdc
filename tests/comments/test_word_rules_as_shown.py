"""A word rule is stored in the letters it shows, as comments are read: "ｓｃｕｍｂａｇ"
(fullwidth) beside "scumbag" was a second rule for one word, of another kind (QA,
2026-12-06). The migration that stores the rules kept so far the same way keeps the
stricter kind where two were one word."""

import importlib

import pytest
from django.apps import apps

from comments.models import WordRule

pytestmark = pytest.mark.django_db

RULES = "/admin/comments/wordrule/"
migration = importlib.import_module("comments.migrations.0017_wordrule_words_as_read")


def add(client, word, kind="suspect"):
    return client.post(f"{RULES}add/", {"word": word, "kind": kind})


def test_a_rule_in_fullwidth_letters_is_the_rule_in_plain_ones(moderator):
    assert add(moderator, "scumbag", "banned").status_code == 302
    response = add(moderator, "ＳＣＵＭＢＡＧ")
    assert response.status_code == 200
    assert ("“scumbag” is already a rule (Banned: refuse the comment): change that one "
            "instead.") in response.content.decode()
    assert 'value="ＳＣＵＭＢＡＧ"' in response.content.decode()
    assert list(WordRule.objects.values_list("word", "kind")) == [("scumbag", "banned")]
    assert add(moderator, "ｆｒｅｅ  ｍｏｎｅｙ").status_code == 302
    assert WordRule.objects.filter(word="free money").exists()


def test_rules_kept_so_far_are_stored_as_shown_the_stricter_kind_kept():
    WordRule.objects.bulk_create([  # as saved before: fullwidth letters kept
        WordRule(word="full", kind="suspect"), WordRule(word="ｆｕｌｌ", kind="banned"),
        WordRule(word="scam", kind="banned"), WordRule(word="ｓｃａｍ", kind="suspect"),
        WordRule(word="ｆｒｅｅ ｍｏｎｅｙ", kind="suspect"), WordRule(word="spam")])
    migration.store_as_shown(apps, None)
    assert sorted(WordRule.objects.values_list("word", "kind")) == [
        ("free money", "suspect"), ("full", "banned"), ("scam", "banned"),
        ("spam", "suspect")]
