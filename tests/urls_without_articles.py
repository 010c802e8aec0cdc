"""A URLconf with no stories, for tests that change ROOT_URLCONF."""

urlpatterns = []
