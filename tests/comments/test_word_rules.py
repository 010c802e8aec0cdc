import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError

from comments.models import Comment, WordRule
from comments.moderation import check_comment
from tests.commenting import post_comment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/comments/wordrule/add/"


@pytest.fixture
def moderator(client):
    """A moderator, signed in on the test client (the role that keeps word rules)."""
    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    return user


def post(client, body):
    # One comment each ten seconds per reader: the limit is not what is tested here.
    cache.clear()
    return post_comment(client, "harbour", body)


def assert_refused(response, rule, body):
    """The comment form came back refusing body for the rule, with body in it, and nothing saved."""
    html = response.content.decode()
    assert response.status_code == 400
    assert f"uses a word we do not publish (“{rule}”)" in html
    assert body in html
    assert not Comment.objects.exists()


class TestAddingRulesInTheAdmin:
    def test_a_rule_differing_only_in_case_is_a_form_error_not_a_crash(self, client,
                                                                        moderator):
        WordRule.objects.create(word="spamword")
        response = client.post(ADD, {"word": "SpamWord", "kind": "suspect"})
        html = response.content.decode()
        assert response.status_code == 200
        assert ("“spamword” is already a rule (Suspect: hold for review): change that one "
                "instead.") in html
        assert 'value="SpamWord"' in html
        assert list(WordRule.objects.values_list("word", flat=True)) == ["spamword"]

    def test_a_phrase_is_stored_lower_cased_with_single_spaces(self, client, moderator):
        response = client.post(ADD, {"word": "  Free \t  Money ", "kind": "suspect"})
        assert response.status_code == 302
        assert WordRule.objects.get().word == "free money"

    @pytest.mark.parametrize(("typed", "read_as"), [
        ("f*ck", "the 2 words “f” and “ck”"),
        ("e-mail-me", "the 3 words “e”, “mail” and “me”"),
        ("win!", "the word “win”"),
        ("***", "no word at all"),
    ])
    def test_a_rule_with_punctuation_is_refused_saying_why(self, client, moderator,
                                                            typed, read_as):
        response = client.post(ADD, {"word": typed, "kind": "banned"})
        html = response.content.decode()
        assert response.status_code == 200
        assert (f"Comments are compared word by word and their punctuation is ignored, "
                f"so “{typed}” would be read as {read_as} and never match.") in html
        assert "with spaces between the words of a phrase" in html
        assert not WordRule.objects.exists()


def test_a_rule_of_only_spaces_is_refused_in_code_too():
    rule = WordRule(word="   ", kind=WordRule.Kind.SUSPECT)
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert refused.value.message_dict == {"word": ["Write a word: this rule is only spaces."]}


class TestPhrasesInComments:
    def test_a_suspect_phrase_holds_a_comment_across_punctuation_and_case(self, client,
                                                                          article, reader):
        WordRule.objects.create(word="free money", kind=WordRule.Kind.SUSPECT)
        post(client, "Click for FREE,\nmoney now")
        comment = Comment.objects.get()
        assert comment.status == Comment.Status.PENDING
        assert comment.hold_reason == "Contains a suspect word: free money"

    def test_a_banned_phrase_refuses_a_comment_with_its_text_kept(self, client, article,
                                                                  reader):
        WordRule.objects.create(word="Free Money", kind=WordRule.Kind.BANNED)
        assert_refused(post(client, "Get free... money!"), "free money", "Get free... money!")

    def test_a_phrase_matches_only_its_whole_words_in_a_row(self, client, article, reader):
        WordRule.objects.create(word="free money", kind=WordRule.Kind.SUSPECT)
        post(client, "free money")
        for body in ("freemoney for all", "free the money", "a free moneybag",
                     "carefree money", "money free"):
            post(client, body)
        assert dict(Comment.objects.values_list("body", "status")) == {
            "free money": Comment.Status.PENDING,
            "freemoney for all": Comment.Status.APPROVED,
            "free the money": Comment.Status.APPROVED,
            "a free moneybag": Comment.Status.APPROVED,
            "carefree money": Comment.Status.APPROVED,
            "money free": Comment.Status.APPROVED,
        }


class TestWordsInDisguise:
    """Rules match words written with digits and symbols for the letters they look
    like ("$cumb4g"), with their letters apart ("s c u m b a g") or with a letter
    stretched ("scuuumbag"), whole words and phrases alike; numbers stay numbers."""

    @pytest.fixture
    def rules(self):
        WordRule.objects.create(word="scumbag", kind=WordRule.Kind.BANNED)
        WordRule.objects.create(word="free money", kind=WordRule.Kind.BANNED)
        WordRule.objects.create(word="idiot", kind=WordRule.Kind.SUSPECT)
        WordRule.objects.create(word="leet", kind=WordRule.Kind.SUSPECT)
        WordRule.objects.create(word="cop", kind=WordRule.Kind.SUSPECT)

    @pytest.mark.parametrize(("body", "rule"), [
        ("You $cumbag.", "scumbag"),
        ("You scumb@g!", "scumbag"),
        ("You 5CUMB4G", "scumbag"),
        ("You ｓｃｕｍｂ＠ｇ", "scumbag"),  # fullwidth, as read
        ("Get fr33 m0n3y here", "free money"),
        ("Get free, m0ney!", "free money"),
        # Letters of another alphabet that look Latin, among the digits: Cyrillic ѕ, с, о.
        ("You \u0455\u0441umb4g", "scumbag"),
        ("You \u0455cumb@g", "scumbag"),
        ("Get fr33 m\u043eney", "free money"),
    ])
    def test_a_banned_word_so_written_is_refused(self, rules, body, rule):
        with pytest.raises(ValidationError) as refused:
            check_comment(UserFactory(), None, body)
        assert refused.value.code == "banned_word"
        assert refused.value.params == {"word": rule}

    @pytest.mark.parametrize("body", ["What an 1d10t", "What an !d!ot.", "|d|0t's at it"])
    def test_a_suspect_word_so_written_holds_the_comment_saying_which(self, rules, body):
        assert check_comment(UserFactory(), None, body) == (
            Comment.Status.PENDING, "Contains a suspect word: idiot")

    @pytest.mark.parametrize("body", [
        "In 1337, 101 boats sailed.",  # numbers: no letter to stand for
        "Pay $5 for a bag of flour, or 4 for $15.",
        "The scum, 8ag and all",  # two words, as "scum bag" is
        "Free 2 money",  # a word between the phrase's words
        "MP3s and 4K video of the harbour at 5am",
        "Idiom, idiotic, scumbags!",  # not the whole word
        # A Russian comment with a number: its words are Russian ones ("сор" is not "cop").
        "\u0412 2024 \u0433\u043e\u0434\u0443 \u0441\u043e\u0440 \u043d\u0430 "
        "\u043f\u0440\u0438\u0441\u0442\u0430\u043d\u0438 \u0431\u044b\u043b 5$.",
    ])
    def test_numbers_and_other_words_are_left_alone(self, rules, body):
        assert check_comment(UserFactory(), None, body) == (Comment.Status.APPROVED, "")

    @pytest.mark.parametrize(("body", "rule"), [
        ("You s c u m b a g", "scumbag"),
        ("You s.c.u.m.b.a.g!", "scumbag"),
        ("You S-C-U-M-B-4-G", "scumbag"),
        ("y o u s c u m b a g", "scumbag"),  # where one word ends is not written
        ("Get f r e e  m o n e y", "free money"),
    ])
    def test_a_banned_word_with_its_letters_apart_is_refused(self, rules, body, rule):
        with pytest.raises(ValidationError) as refused:
            check_comment(UserFactory(), None, body)
        assert refused.value.params == {"word": rule}

    def test_a_suspect_word_with_its_letters_apart_holds_the_comment(self, rules):
        assert check_comment(UserFactory(), None, "What an i.d.i.o.t") == (
            Comment.Status.PENDING, "Contains a suspect word: idiot")

    @pytest.mark.parametrize("body", [
        "Plan A, B, C and D, in that order.",
        "The U.S.A. and the U.K. signed.",
        "Call 5 5 3 7 1 3 3 7 after six.",  # digits alone spell no word
    ])
    def test_other_letters_apart_are_left_alone(self, rules, body):
        assert check_comment(UserFactory(), None, body) == (Comment.Status.APPROVED, "")

    def test_a_rule_of_two_letters_is_not_looked_for_in_letters_apart(self, rules):
        WordRule.objects.create(word="ok", kind=WordRule.Kind.BANNED)
        assert check_comment(UserFactory(), None, "Grades A, B, O, K and C") == (
            Comment.Status.APPROVED, "")
        with pytest.raises(ValidationError):
            check_comment(UserFactory(), None, "ok then")

    @pytest.mark.parametrize(("body", "rule"), [
        ("You scuuuumbag", "scumbag"),
        ("You SCUMBAAAAG!", "scumbag"),
        ("Get frrreeee moneyyyy", "free money"),
    ])
    def test_a_banned_word_with_a_letter_stretched_is_refused(self, rules, body, rule):
        with pytest.raises(ValidationError) as refused:
            check_comment(UserFactory(), None, body)
        assert refused.value.params == {"word": rule}

    def test_a_suspect_word_with_a_letter_stretched_holds_the_comment(self, rules):
        assert check_comment(UserFactory(), None, "What an idiooooot") == (
            Comment.Status.PENDING, "Contains a suspect word: idiot")

    def test_a_letter_written_twice_is_another_word(self, rules):
        for word in ("bot", "god"):
            WordRule.objects.create(word=word, kind=WordRule.Kind.SUSPECT)
        assert check_comment(UserFactory(), None, "Brrr. Good boots, sooo good. Hmmm.") == (
            Comment.Status.APPROVED, "")

    def test_a_refused_comment_keeps_its_text(self, client, article, reader, rules):
        body = "Such a $cumb4g, that skipper"
        assert_refused(post(client, body), "scumbag", body)

    def test_the_rule_form_says_so(self, client, moderator):
        html = client.get(ADD).content.decode()
        assert ("with digits and symbols for letters (“$cumb4g”), with its letters apart "
                "(“s c u m b a g”) or with a letter stretched (“scuuumbag”)") in html

    def test_a_rule_written_with_symbols_is_refused_saying_letters_will_do(self, client,
                                                                           moderator):
        response = client.post(ADD, {"word": "$cumbag", "kind": "banned"})
        html = response.content.decode()
        assert response.status_code == 200
        assert "“$cumbag” would be read as the word “cumbag” and never match." in html
        assert ("A rule in letters also matches its words written with symbols for letters: "
                "“scumbag” matches “$cumb@g”.") in html
        assert 'value="$cumbag"' in html
        assert not WordRule.objects.exists()
        # A "!" after a word ends a sentence: no symbol for a letter there.
        html = client.post(ADD, {"word": "win!", "kind": "banned"}).content.decode()
        assert "“win!” would be read as the word “win”" in html
        assert "A rule in letters also matches" not in html


class TestTryingAComment:
    """Moderators try a comment against the word rules before a reader does
    (WordRuleAdmin.try_view): nothing is posted, and what was typed stays."""

    TRY = "/admin/comments/wordrule/try/"

    @pytest.fixture
    def rules(self):
        WordRule.objects.create(word="scumbag", kind=WordRule.Kind.BANNED)
        WordRule.objects.create(word="idiot", kind=WordRule.Kind.SUSPECT)

    @pytest.mark.parametrize(("body", "says"), [
        ("You $cumb4g", "<strong>Refused</strong>: it uses a word or phrase we do not publish: "
                        "“scumbag”."),
        ("What an 1d10t", "<strong>Held for review</strong>, the queue saying why: “Contains "
                          "a suspect word: idiot”."),
        ("See bit.ly/x, you idiot", "<strong>Held for review</strong>, the queue saying why: "
                                    "“Contains a link”."),
        ("A fine story.", "<strong>Published</strong>: no rule holds it."),
    ])
    def test_it_says_what_the_rules_would_do(self, client, moderator, rules, body, says):
        response = client.post(self.TRY, {"body": body})
        html = response.content.decode()
        assert response.status_code == 200
        assert says in html
        assert f">\n{body}</textarea>" in html  # kept, to try again
        assert not Comment.objects.exists()

    def test_a_held_link_names_the_suspect_words_too(self, client, moderator, rules):
        html = client.post(self.TRY, {"body": "See bit.ly/x, you idiot"}).content.decode()
        assert "Suspect words or phrases in it: “idiot”." in html

    @pytest.mark.parametrize(("body", "error"), [
        ("   ", "Write a comment to try."),
        ("x" * 251, "Comments can be at most 250 characters"),
    ])
    def test_bad_input_is_refused_saying_why(self, client, moderator, rules, body, error):
        response = client.post(self.TRY, {"body": body})
        html = response.content.decode()
        assert response.status_code == 200
        assert error in html
        assert "What the rules would do" not in html

    def test_the_rule_list_links_to_it_and_readers_may_not_use_it(self, client, moderator):
        assert f'href="{self.TRY}"' in client.get("/admin/comments/wordrule/").content.decode()
        client.force_login(UserFactory())
        assert client.post(self.TRY, {"body": "x"}).status_code == 302  # to sign in
