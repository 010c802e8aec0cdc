from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.decorators.cache import never_cache

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("signup/", views.signup, name="signup"),
    path("delete/", views.delete_account, name="delete"),
    path("export/", views.export_data, name="export"),
    path("sessions/end-others/", views.end_other_sessions, name="end_other_sessions"),
    path("deleted/", views.account_deleted, name="deleted"),
    path("email/", views.change_email, name="email_change"),
    path("email/sent/", views.email_change_sent, name="email_change_sent"),
    path("email/confirm/<str:token>/", views.email_change_confirm,
         name="email_change_confirm"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", views.PasswordChangeDoneView.as_view(),
         name="password_change_done"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    # Django's own views, never kept (no-store) like every accounts page.
    path("password_reset/done/", never_cache(auth_views.PasswordResetDoneView.as_view()),
         name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("reset/done/", never_cache(auth_views.PasswordResetCompleteView.as_view()),
         name="password_reset_complete"),
]
