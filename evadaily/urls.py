from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import TemplateView

from articles import sitemaps
from articles.views import page_not_found
from comments import desk as comment_desk
from core import views
from core.pagecache import public_page
from standards import desk as report_desk
from standards.overview import moderation_overview

# A 503 rather than a 500 while the database is away (core.views.server_error).
handler500 = views.server_error
handler400 = views.bad_request
# A story's old address leads to its current one (articles.views.page_not_found).
handler404 = page_not_found

admin.site.site_header = "EVA DAILY newsroom"
admin.site.site_title = "EVA DAILY newsroom"
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The moderation desk, before the admin's own URLs (their catch-all would take these).
    path("admin/moderation/", admin.site.admin_view(moderation_overview),
         name="moderation-overview"),
    path("admin/moderation/comments/", admin.site.admin_view(comment_desk.comment_queue),
         name="moderation-comments"),
    path("admin/moderation/comments/<int:pk>/decide/",
         admin.site.admin_view(comment_desk.decide_comment), name="moderation-comment-decide"),
    path("admin/moderation/decisions/<int:pk>/undo/",
         admin.site.admin_view(comment_desk.undo_decision), name="moderation-undo"),
    path("admin/moderation/bias-reports/", admin.site.admin_view(report_desk.bias_report_triage),
         name="moderation-bias-reports"),
    path("admin/moderation/bias-reports/<int:pk>/decide/",
         admin.site.admin_view(report_desk.decide_bias_report),
         name="moderation-bias-report-decide"),
    path("admin/", admin.site.urls),
    path("", include("articles.urls")),
    path("", include(("articles.authors", "authors"))),
    path("", include("comments.urls")),
    path("", include("standards.urls")),
    path("accounts/", include("accounts.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("", include("pages.urls")),
    path("robots.txt", public_page(TemplateView.as_view(
        template_name="robots.txt", content_type="text/plain; charset=utf-8")),
         name="robots"),
    path("sitemap.xml", public_page(sitemaps.index, tags=["syndication"]), name="sitemap"),
    # Django's sitemap view reads its page number from ?p=.
    path("sitemap-news.xml", public_page(sitemaps.news, params=("p",), tags=["syndication"]),
         name="sitemap-news"),
    path("sitemap-<slug:section>.xml", public_page(sitemaps.sitemap, params=("p",),
                                                   tags=["syndication"]),
         name="sitemap-section"),
    re_path(r"^media/(?P<path>.*)$", views.media, name="media"),
]
