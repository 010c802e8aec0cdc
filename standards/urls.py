from django.urls import path

from core.pagecache import public_page

from . import views

app_name = "standards"

# Lists read ?page= (core/pagecache.py); the bias-report form is never cached.
# The transparency report is cached whole like every public page and goes
# stale with what it counts: stories, authors, corrections, decided bias
# reports and comment decisions. A new comment or bias report alone does not
# stale it: "received" figures may lag by up to PAGE_CACHE_SECONDS (10
# minutes), the lifetime of every cached page.
REPORT_TAGS = ["transparency", "stories-all", "authors", "corrections", "review-record"]

urlpatterns = [
    path("transparency/", public_page(views.TransparencyReportView.as_view(), tags=REPORT_TAGS),
         name="transparency"),
    path("articles/<slug:slug>/report-bias/", views.report_bias, name="report-bias"),
    path("articles/<slug:slug>/report-bias/<str:reference>/", views.bias_report_received,
         name="bias-report-received"),
    path("corrections/", public_page(views.CorrectionListView.as_view(), params=("page",)),
         name="corrections"),
]
