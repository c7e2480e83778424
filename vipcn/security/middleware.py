"""Middleware that covers every page, present and future, without the page doing anything."""

import time
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from vipcn import access
from vipcn.models import AccessLogEntry
from vipcn.security import audit, records

Action = AccessLogEntry.Action
Outcome = AccessLogEntry.Outcome

SESSION_LOGIN_AT = "vipcn_login_at"
SESSION_LAST_SEEN = "vipcn_last_seen"
# Writing the session on every request is wasteful; idle time is tracked to this precision.
LAST_SEEN_RESOLUTION = 15

# Pages a signed-in user without a verified second factor may still open.
SECOND_FACTOR_PAGES = frozenset({"logout", "mfa_setup", "mfa_verify", "mfa_qr", "mfa_recovery"})
# Pages a user whose password an administrator set may open before choosing their own.
PASSWORD_PAGES = frozenset({"logout", "password_change", "password_change_done"})


class NoStoreMiddleware:
    """Cache-Control: no-store on every response to a signed-in user (case data, CJI)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or getattr(
            request, "_vipcn_was_authenticated", False
        ):
            add_never_cache_headers(response)
        return response


def _is_file(response):
    """A download: a file sent as an attachment, or shown inline (a PDF) with its name."""
    return bool(response.get("Content-Disposition", ""))


class AccessLogMiddleware:
    """Log every record page a signed-in user opens, every download, every refusal.

    The record is the one the view served (vipcn/security/records.py): declared by the URL
    conf, noted by the view, or the admin's model and object id. A page added later with a
    record id in its URL is logged under its own name until it declares its record type.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        self._log(request, response)
        return response

    def _log(self, request, response):
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        refs, (kind, pk) = records.resolve(request)
        common = {
            "request": request,
            "object_type": kind,
            "object_id": pk,
            "object_refs": refs,
            "status_code": response.status_code,
        }
        if response.status_code in (403, 404):
            if getattr(request, "axes_locked_out", False):
                return  # logged as a lockout by the signal
            audit.record(Action.DENIED, Outcome.DENIED, **common)
        elif not signed_in or not getattr(request, "_vipcn_second_factor_ok", False):
            return
        elif _is_file(response) and response.status_code < 300:
            audit.record(Action.DOWNLOAD, **common)
        elif refs and response.status_code < 400:
            action = Action.VIEW if request.method in ("GET", "HEAD") else Action.SUBMIT
            audit.record(action, **common)


class SessionLockMiddleware:
    """30 minutes idle, 12 hours absolute (CJIS AC-11), enforced on the server."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request._vipcn_was_authenticated = True
            now = time.time()
            session = request.session
            login_at = session.setdefault(SESSION_LOGIN_AT, now)
            last_seen = session.get(SESSION_LAST_SEEN, now)
            reason = None
            if now - last_seen > settings.SESSION_IDLE_SECONDS:
                reason = "idle"
            elif now - login_at > settings.SESSION_ABSOLUTE_SECONDS:
                reason = "absolute"
            if reason:
                audit.record(Action.SESSION_EXPIRED, request=request, user=user, detail=reason)
                logout(request)
                messages.info(
                    request,
                    _("Your session ended after a period without activity. Please log in again.")
                    if reason == "idle"
                    else _("Sessions last at most 12 hours. Please log in again."),
                )
                return redirect(
                    f"{reverse(settings.LOGIN_URL)}?next={quote(request.get_full_path())}"
                )
            if SESSION_LAST_SEEN not in session or now - last_seen >= LAST_SEEN_RESOLUTION:
                session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


def start_session_clock(sender, request, user, **kwargs):
    """At login (after Django has issued the new session key) the 12-hour clock starts."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_LOGIN_AT] = now
        request.session[SESSION_LAST_SEEN] = now


class SecondFactorMiddleware:
    """Send a password-only session to the second factor from every protected page.

    The admin and admindocs are protected too, even though they do their own login checks.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        view_name = match.view_name if match else ""
        public = not getattr(view_func, "login_required", True) and not access.is_delegated(
            view_name
        )
        user = request.user
        if public or not user.is_authenticated:
            return None
        from vipcn.security.accounts import password_set_by_admin

        # A password an administrator set is changed by its user first: before enrolling,
        # or right after the code when already enrolled (the administrator knows it).
        must_change = password_set_by_admin(user)
        if not settings.MFA_REQUIRED or user.is_verified():
            request._vipcn_second_factor_ok = True
            if must_change and view_name not in PASSWORD_PAGES:
                return change_password_first(request)
            return None
        if view_name in SECOND_FACTOR_PAGES:
            return None
        from django_otp.plugins.otp_totp.models import TOTPDevice

        enrolled = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        if must_change and not enrolled:
            if view_name in PASSWORD_PAGES:
                return None
            return change_password_first(request)
        target = reverse("mfa_verify" if enrolled else "mfa_setup")
        return redirect(f"{target}?next={quote(request.get_full_path())}")


def change_password_first(request):
    """Send a user whose password an administrator set to choose their own."""
    messages.warning(
        request,
        _(
            "An administrator set your password. Choose a new password of your own before "
            "you go on."
        ),
    )
    return redirect("password_change")
