from django.urls import path

from core.pagecache import public_page

from . import views

app_name = "standards"

# Lists read ?page= (core/pagecache.py); the bias-report form is never cached.
# The transparency report is cached whole like every public page and made stale
# by any saved change a reader could see (the apps' registrations with
# core/pagecache.py), comment decisions included. A new comment alone does not
# bump the site version: the "comments received" figures may then lag by up to
# PAGE_CACHE_SECONDS (10 minutes), the lifetime of every cached page, rather
# than every comment emptying the whole cache.
urlpatterns = [
    path("transparency/", public_page(views.TransparencyReportView.as_view()),
         name="transparency"),
    path("articles/<slug:slug>/report-bias/", views.report_bias, name="report-bias"),
    path("articles/<slug:slug>/report-bias/<str:reference>/", views.bias_report_received,
         name="bias-report-received"),
    path("corrections/", public_page(views.CorrectionListView.as_view(), params=("page",)),
         name="corrections"),
]
