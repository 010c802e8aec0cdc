"""Word rules stored in the letters they show (WordRule.normalize: NFKC), as comments are
read: a rule written in fullwidth letters ("ｓｃｕｍｂａｇ") beside the same word in plain
ones is one rule. Where both were kept, the stricter kind stays (banned before suspect)."""

import unicodedata

from django.db import migrations


def as_shown(word):
    return " ".join(unicodedata.normalize("NFKC", word).split()).casefold()


def store_as_shown(apps, schema_editor):
    WordRule = apps.get_model("comments", "WordRule")
    kept = {rule.word: rule for rule in WordRule.objects.all()}
    for rule in WordRule.objects.order_by("pk"):
        word = as_shown(rule.word)
        if word == rule.word:
            continue
        same = kept.get(word)
        if same is None:
            del kept[rule.word]
            rule.word = word
            rule.save(update_fields=["word"])
            kept[word] = rule
            continue
        if rule.kind == "banned" and same.kind != "banned":
            same.kind = "banned"
            same.save(update_fields=["kind"])
        del kept[rule.word]
        rule.delete()


class Migration(migrations.Migration):

    dependencies = [
        ("comments", "0016_wordrule_word_spellings_help"),
    ]

    operations = [
        migrations.RunPython(store_as_shown, migrations.RunPython.noop, elidable=True),
    ]
