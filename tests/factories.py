import io
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, Section
from articles.tasks import make_hero_renditions
from authors.models import Author
from authors.tasks import make_avatar_renditions
from core.images import is_made
from standards.models import Correction


def image_file(name="photo.jpg", size=(1200, 800), color=(40, 90, 140), fmt="JPEG"):
    """A real image in memory, for ImageFields."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return ContentFile(buffer.getvalue(), name=name)


def run_renditions_task(instance, field, task, create, extracted):
    """Run the renditions task a save queued (core.images.queue_renditions), as the worker would.

    A test's transaction never commits, so the queued task would never run:
    factory rows show their images as they are once the worker has been.
    `renditions=False` leaves the original alone, as before the worker runs.
    """
    field_file = getattr(instance, field)
    if not create or extracted is False or not field_file:
        return
    if not is_made(getattr(instance, f"{field}_renditions")):
        task.call(pk=instance.pk, source=field_file.name)
        instance.refresh_from_db(fields=[f"{field}_renditions"])


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"reader{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("a-long-test-passphrase")


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")
    position = factory.Sequence(lambda n: n)


AI_DISCLOSURE = "Written by a language model; Jane Editor is accountable."


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Writer {n}")
    slug = factory.Sequence(lambda n: f"writer-{n}")
    title = "Staff writer"
    bio = factory.Faker("paragraph")
    is_ai = False
    # An AI persona cannot be saved without a disclosure.
    ai_disclosure = factory.LazyAttribute(lambda o: AI_DISCLOSURE if o.is_ai else "")

    class Params:
        ai = factory.Trait(is_ai=True)

    @factory.post_generation
    def renditions(self, create, extracted, **kwargs):
        run_renditions_task(self, "avatar", make_avatar_renditions, create, extracted)


def desk_editor():
    """The editor who reviews factory stories needing a named reviewer."""
    editor = UserFactory(username="desk-editor", is_staff=True, first_name="Desk",
                         last_name="Editor")
    # Given directly: live-server tests empty the groups the migrations made.
    editor.user_permissions.add(Permission.objects.get(content_type__app_label="articles",
                                                       codename="change_article"))
    return editor


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    headline = factory.Faker("sentence", nb_words=7)
    slug = factory.Sequence(lambda n: f"story-{n}")
    dek = factory.Faker("sentence", nb_words=16)
    body = factory.Faker("paragraph", nb_sentences=12)
    section = factory.SubFactory(SectionFactory)
    author = factory.SubFactory(AuthorFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    class Params:
        draft = factory.Trait(status=Article.Status.DRAFT, published_at=None)
        scheduled = factory.Trait(
            published_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
        )
        with_image = factory.Trait(
            image=factory.LazyFunction(image_file),
            image_alt="A harbour at dawn",
            image_caption="The harbour before the ferries leave.",
            image_credit_source="Unsplash",
            image_credit_photographer="Robert Bye",
        )

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)

    @factory.post_generation
    def renditions(self, create, extracted, **kwargs):
        run_renditions_task(self, "image", make_hero_renditions, create, extracted)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A story the review rule covers is saved with a named reviewer unless the
        # test names one; built (unsaved) stories are left as given, to test the rule.
        story = model_class(*args, **kwargs)
        if story.ai_reviewed_by_id is None and story.ai_record_errors():
            kwargs["ai_reviewed_by"] = desk_editor()
        return super()._create(model_class, *args, **kwargs)


class CorrectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Correction

    article = factory.SubFactory(ArticleFactory)
    kind = Correction.Kind.CORRECTION
    text = "An earlier version misstated the year the bridge opened."


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "comments.Comment"

    article = factory.SubFactory(ArticleFactory)
    reader = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence", nb_words=12)


class BiasReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "standards.BiasReport"

    article = factory.SubFactory(ArticleFactory)
    reason = "loaded_language"
    details = "The headline calls the protesters a mob."


def make_roles():
    """The Editors and Moderators groups with their permissions, as the migrations make them.

    Tests that empty the database (live-server and other transactional tests)
    remove the groups the data migrations made; this makes them again. Not
    core.roles.sync_roles, which is for migrations' historical apps.
    """
    from django.contrib.auth.models import Group, Permission

    from core.roles import ROLES

    for name, models in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([
            Permission.objects.get(content_type__app_label=label.split(".")[0],
                                   codename=f"{action}_{label.split('.')[1]}")
            for label, actions in models.items() for action in actions
        ])
