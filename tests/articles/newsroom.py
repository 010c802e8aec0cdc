"""Helpers for tests that work the newsroom admin as its staff would."""

from django.contrib.auth.models import Group
from django.utils import timezone
from taggit.models import Tag
from taggit.utils import edit_string_for_tags

from tests.factories import UserFactory, make_roles

ADD_URL = "/admin/articles/article/add/"
LIST_URL = "/admin/articles/article/"


def staff(group=None, **kwargs):
    """A staff account, in the named newsroom group if one is given."""
    user = UserFactory(is_staff=True, **kwargs)
    if group:
        if not Group.objects.filter(name=group).exists():
            # A transactional test before this one flushed the migrations' roles.
            make_roles()
        user.groups.add(Group.objects.get(name=group))
    return user


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def history_url(article):
    return f"/admin/articles/article/{article.pk}/history/"


def _split(moment):
    if moment is None:
        return {"0": "", "1": ""}
    local = timezone.localtime(moment)
    return {"0": local.strftime("%Y-%m-%d"), "1": local.strftime("%H:%M:%S")}


def article_form(article=None, **fields):
    """POST data for the article admin form: the article's values, then the overrides.

    Give `section` and `author` as objects; `tags` as a list of Tag objects or
    names, or as typed in the field ("Ports, \"New York\""); `status` as the
    form's state (draft, scheduled, published); `published_at` and
    `ai_reviewed_at` as datetimes; an `image` as a file.
    """
    values = {
        "headline": "", "slug": "", "dek": "", "body": "", "section": None, "author": None,
        "ai_involvement": "none", "ai_reviewed_by": None, "ai_reviewed_at": None,
        "image_alt": "", "image_caption": "", "image_credit_source": "",
        "image_credit_photographer": "", "image_is_ai_generated": False,
        "status": "draft", "published_at": None, "is_featured": False, "tags": [],
    }
    if article is not None:
        for name in values:
            if name != "tags":
                values[name] = getattr(article, name)
        values["status"] = article.state
        values["tags"] = list(article.tags.all())
    values.update(fields)

    data = {}
    for name, value in values.items():
        if name in ("published_at", "ai_reviewed_at"):
            for part, text in _split(value).items():
                data[f"{name}_{part}"] = text
        elif name in ("section", "author", "ai_reviewed_by"):
            data[name] = "" if value is None else value.pk
        elif name == "tags":
            data[name] = value if isinstance(value, str) else edit_string_for_tags(
                [tag if isinstance(tag, Tag) else Tag(name=tag) for tag in value])
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif name == "image":
            if value:
                data[name] = value
        else:
            data[name] = value
    for prefix in ("related_links", "corrections"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


def form_errors(response):
    """Every error the admin form shows, as one string."""
    context = response.context
    messages = [str(error) for error in context["adminform"].form.errors.values()]
    for formset in context["inline_admin_formsets"]:
        messages += [str(errors) for errors in formset.formset.errors if errors]
    return " ".join(messages)
