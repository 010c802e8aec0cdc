from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.comment_list, name="list"),
    path("articles/<slug:slug>/report-bias/", views.report_bias, name="report-bias"),
    path("articles/<slug:slug>/report-bias/<str:reference>/", views.bias_report_received,
         name="bias-report-received"),
    path("comments/<int:pk>/report/", views.report_comment, name="report"),
]
