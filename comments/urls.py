from django.urls import path

from core.pagecache import public_page

from . import views

app_name = "comments"

urlpatterns = [
    # Anonymous readers all see the same block: the page cache keeps it until a
    # comment on the story is published or taken down.
    path("articles/<slug:slug>/comments/",
         public_page(views.comment_list, params=("page",), flags=("partial",),
                     methods=("GET", "HEAD", "POST")), name="list"),
    path("comments/<int:pk>/report/", views.report_comment, name="report"),
]
