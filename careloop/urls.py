from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from careloop.dashboard import views as dashboard_views
from careloop.practices import views as practice_views
from careloop.practices.forms import SignInForm
from careloop.web import views as web_views

account_patterns = [
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    # A tab left open past the session's end may still press "Sign out".
    path("sign-out/", login_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path("", practice_views.account, name="account"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("two-factor/", practice_views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", practice_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/disable/", practice_views.two_factor_disable, name="two_factor_disable"),
    path(
        "two-factor/backup-codes/",
        practice_views.two_factor_backup_codes,
        name="two_factor_backup_codes",
    ),
]

urlpatterns = [
    path("", web_views.home, name="home"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("account/", include(account_patterns)),
    path("clients/", include("careloop.clients.urls")),
    path("", include("careloop.consent.urls")),
    path("referrals/", include("careloop.referrals.urls")),
    path("sessions/", include("careloop.therapy.urls")),
    path("", include("careloop.directory.urls")),
    path("outreach/", include("careloop.outreach.urls")),
    path("practice/website/", include("careloop.publicsite.staff_urls")),
    path("practice/", include("careloop.practices.urls")),
    path("insights/", include("careloop.insights.urls")),
    path("audit/", include("careloop.dashboard.audit_urls")),
    # The contact form before the rest of the website (careloop.publicsite).
    path("p/<slug:slug>/contact/", include("careloop.enquiries.public_urls")),
    path("p/", include("careloop.publicsite.urls")),
    path("enquiries/", include("careloop.enquiries.urls")),
    path("interop/", include("careloop.interop.urls")),
    path("", include("careloop.measures.urls")),
    path("", include("careloop.letters.urls")),
    path("pick/<slug:source>/", web_views.pick, name="pick"),
    path("", include("careloop.records.urls")),
    path("healthz", web_views.healthz, name="healthz"),
    path("robots.txt", web_views.robots, name="robots"),
]

if settings.BENCH_BARE_VIEW:
    urlpatterns.append(path("bench/bare", web_views.bench_bare, name="bench_bare"))
