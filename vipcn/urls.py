from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from vipcn import views
from vipcn.forms import NoticeAuthenticationForm
from vipcn.security import views as security_views

handler403 = "vipcn.views.error_403"
handler404 = "vipcn.views.error_404"
handler500 = "vipcn.views.error_500"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        login_not_required(
            auth_views.LoginView.as_view(
                authentication_form=NoticeAuthenticationForm, redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        security_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("language/", views.set_language, name="set_language"),
    path("accounts/mfa/setup/", security_views.mfa_setup, name="mfa_setup"),
    path("accounts/mfa/setup/qr.svg", security_views.mfa_qr, name="mfa_qr"),
    path("accounts/mfa/", security_views.mfa_verify, name="mfa_verify"),
    path("accounts/mfa/recovery/", security_views.mfa_recovery, name="mfa_recovery"),
    path("accounts/mfa/manage/", security_views.mfa_manage, name="mfa_manage"),
    path("audit/", include("vipcn.audit.urls")),
    path("candidates/", include("candidates.urls")),
    path("personnel/", include("deliveries.urls.personnel")),
    path("cases/", include("deliveries.urls.cases")),
    path("deliveries/", include("deliveries.urls.attempts")),
    path("reports/", include("deliveries.urls.reports")),
    path("admin/doc/", include("django.contrib.admindocs.urls")),
    path("admin/", admin.site.urls),
]
