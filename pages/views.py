from django.conf import settings
from django.views.generic import DetailView

from .models import Page


class PageDetailView(DetailView):
    model = Page
    template_name = "pages/page_detail.html"
    context_object_name = "page"

    def get_context_data(self, **kwargs):
        # About ends with the newsroom's address: a setting, so that each
        # deployment shows its own without editing the page.
        return {**super().get_context_data(**kwargs), "newsroom_email": settings.NEWSROOM_EMAIL}
