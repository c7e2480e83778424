"""Second-factor enrolment, verification and recovery codes (CJIS IA-2(1)).

Enrolment has no window before it: each visit of the set-up page makes a new secret, kept only
in that session for MFA_ENROLMENT_SECONDS; no device row exists until the user confirms a code
from it, so no other session (nor anyone with the first password) can read the secret that will
be enrolled. The confirmation makes ten recovery codes, shown once, and emails the user.
"""

import io
import time
from base64 import b32encode
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image
from django_otp.util import random_hex

from vipcn.models import AccessLogEntry
from vipcn.security import audit, notify, recovery
from vipcn.security.accounts import password_set_by_admin
from vipcn.security.forms import RecoveryCodeForm, TokenForm
from vipcn.security.middleware import change_password_first

Action = AccessLogEntry.Action
Outcome = AccessLogEntry.Outcome

SESSION_ENROLMENT = "vipcn_mfa_enrolment"
# Wrong codes one enrolment accepts before its secret is thrown away (a new one is made).
MAX_ENROLMENT_FAILURES = 5


def _next_url(request):
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return next_url


def _with_next(name, request):
    return f"{reverse(name)}?next={quote(_next_url(request))}"


def _enrolled(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _verified(request, device, action, detail=""):
    otp_login(request, device)
    # A new session key once the second factor raises the session's privilege.
    request.session.cycle_key()
    audit.record(
        action,
        request=request,
        object_type="user",
        object_id=request.user.pk,
        object_refs={"otp_device": device.persistent_id},
        detail=detail,
    )


def _check(request, form, device):
    """Whether the form's code verifies on the device; a refusal is explained and logged."""
    allowed, _info = device.verify_is_allowed()
    if allowed and device.verify_token(form.cleaned_data["token"]):
        return True
    audit.record(
        Action.MFA_FAILED,
        Outcome.FAILURE,
        request=request,
        object_type="user",
        object_id=request.user.pk,
        object_refs={"otp_device": device.persistent_id},
        detail="" if allowed else "throttled",
    )
    if not allowed:
        form.add_error("token", _("Too many wrong codes. Wait a little before trying again."))
    else:
        form.add_error("token", _("That code is not valid, or was already used. Try the next one."))
    return False


# --- enrolment ------------------------------------------------------------------------------


def _start_enrolment(request):
    state = {"key": random_hex(20), "started": time.time(), "failures": 0}
    request.session[SESSION_ENROLMENT] = state
    return state


def _current_enrolment(request):
    """This session's enrolment secret while it is valid, else None (and it is forgotten)."""
    state = request.session.get(SESSION_ENROLMENT)
    if not state:
        return None
    if time.time() - state.get("started", 0) > settings.MFA_ENROLMENT_SECONDS:
        del request.session[SESSION_ENROLMENT]
        return None
    return state


def _enrolment_device(user, state):
    """The device the enrolment would create (not saved)."""
    return TOTPDevice(user=user, key=state["key"], name="authenticator", confirmed=False)


def _enrolment_code_ok(device, token):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if not totp.verify(int(token), device.tolerance):
        return False
    device.last_t = totp.t()  # the code just used cannot sign in again
    device.drift = totp.drift
    return True


def mfa_setup(request):
    """Enrol an authenticator app: first login, or replacing one (a verified session only)."""
    if password_set_by_admin(request.user):
        return change_password_first(request)
    replacing = _enrolled(request.user)
    if replacing and not request.user.is_verified():
        return redirect(_with_next("mfa_verify", request))
    form = TokenForm(request.POST or None)
    if request.method != "POST":
        state = _start_enrolment(request)
    else:
        state = _current_enrolment(request)
        if state is None:
            messages.error(
                request,
                _(
                    "That set-up key is no longer valid (it lasts %(minutes)d minutes, in the "
                    "window that showed it). Scan the new QR code and enter the code it gives."
                )
                % {"minutes": settings.MFA_ENROLMENT_SECONDS // 60},
            )
            return redirect(_with_next("mfa_setup", request))
        if form.is_valid():
            device = _enrolment_device(request.user, state)
            if _enrolment_code_ok(device, form.cleaned_data["token"]):
                return _confirm_enrolment(request, device, replacing=replacing)
            state["failures"] = state.get("failures", 0) + 1
            request.session[SESSION_ENROLMENT] = state
            audit.record(
                Action.MFA_FAILED,
                Outcome.FAILURE,
                request=request,
                object_type="user",
                object_id=request.user.pk,
                detail="enrolment",
            )
            if state["failures"] >= MAX_ENROLMENT_FAILURES:
                del request.session[SESSION_ENROLMENT]
                messages.error(
                    request,
                    _(
                        "Too many wrong codes. A new set-up key was made: remove VIP CN from "
                        "your authenticator app, scan the new QR code and try again."
                    ),
                )
                return redirect(_with_next("mfa_setup", request))
            form.add_error("token", _("That code is not valid. Enter the code the app shows now."))
    return render(
        request,
        "registration/mfa_setup.html",
        {
            "form": form,
            "secret": b32encode(bytes.fromhex(state["key"])).decode(),
            "next": _next_url(request),
            "minutes": settings.MFA_ENROLMENT_SECONDS // 60,
            "replacing": replacing,
        },
    )


def _confirm_enrolment(request, device, *, replacing):
    user = request.user
    with transaction.atomic():
        # One enrolment at a time per account, whichever session confirms first.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if not replacing and _enrolled(user):
            del request.session[SESSION_ENROLMENT]
            messages.error(
                request,
                _(
                    "An authenticator app was already set up for your account from another "
                    "sign-in. Enter its code. If you did not set it up, call an administrator."
                ),
            )
            return redirect(_with_next("mfa_verify", request))
        # Earlier devices go: an older authenticator (replacing), or an unconfirmed leftover.
        TOTPDevice.objects.filter(user=user).delete()
        device.confirmed = True
        device.save()
        codes = recovery.make_new_codes(user)
        del request.session[SESSION_ENROLMENT]
        _verified(request, device, Action.MFA_ENROLLED, detail="replaced" if replacing else "")
        audit.record(
            Action.RECOVERY_CODES_MADE,
            request=request,
            object_type="user",
            object_id=user.pk,
            detail=f"{len(codes)} codes, at enrolment",
        )
        notify.tell_account_holder(notify.ENROLLED, user=user, request=request)
    messages.success(request, _("Your authenticator app is set up."))
    return render(
        request,
        "registration/mfa_recovery_codes_new.html",
        {"codes": codes, "next": _next_url(request)},
    )


def mfa_qr(request):
    """The QR code of this session's enrolment, as SVG; 404 when it has none."""
    state = _current_enrolment(request)
    if state is None or password_set_by_admin(request.user):
        raise Http404
    out = io.BytesIO()
    write_qrcode_image(_enrolment_device(request.user, state).config_url, out)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


# --- every login ----------------------------------------------------------------------------


def mfa_verify(request):
    """Every login: the password is one factor; this asks for the code."""
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True).order_by("pk"))
    if not devices:
        return redirect(_with_next("mfa_setup", request))
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # One authenticator per account (enrolling another replaces it).
        device = devices[0]
        if _check(request, form, device):
            _verified(request, device, Action.MFA_VERIFIED)
            return redirect(_next_url(request))
    return render(
        request, "registration/mfa_verify.html", {"form": form, "next": _next_url(request)}
    )


def mfa_recovery(request):
    """A recovery code instead of the authenticator code (a lost or forgotten phone)."""
    if not _enrolled(request.user):
        return redirect(_with_next("mfa_setup", request))
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = RecoveryCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            # Locked: a code is used once, even by two sign-ins at the same moment.
            device = recovery.recovery_device(request.user, for_update=True)
            if device is None:
                form.add_error(
                    "token",
                    _("Your account has no recovery codes. Ask an administrator for help."),
                )
                ok = False
            else:
                ok = _check(request, form, device)
            if ok:
                left = recovery.codes_left(request.user)
                _verified(request, device, Action.RECOVERY_CODE_USED, detail=f"{left} left")
                notify.tell_account_holder(
                    notify.RECOVERY_CODE_USED, user=request.user, request=request, left=left
                )
        if ok:
            messages.warning(
                request,
                _(
                    "You signed in with a recovery code; %(left)d left. If you lost your phone, "
                    "set up your new one now: the old one stops working."
                )
                % {"left": left},
            )
            return redirect("mfa_manage")
    return render(
        request, "registration/mfa_recovery.html", {"form": form, "next": _next_url(request)}
    )


# --- the user's own page --------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def mfa_manage(request):
    """How many recovery codes are left; new codes (replacing all); a new authenticator."""
    if request.method == "POST":
        with transaction.atomic():
            codes = recovery.make_new_codes(request.user)
            audit.record(
                Action.RECOVERY_CODES_MADE,
                request=request,
                object_type="user",
                object_id=request.user.pk,
                detail=f"{len(codes)} codes, replacing all earlier ones",
            )
        return render(
            request,
            "registration/mfa_recovery_codes_new.html",
            {"codes": codes, "next": reverse("mfa_manage")},
        )
    return render(
        request,
        "registration/mfa_manage.html",
        {
            "left": recovery.codes_left(request.user),
            "authenticator": TOTPDevice.objects.filter(user=request.user, confirmed=True)
            .order_by("pk")
            .first(),
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's own change (it clears the administrator's mark); a user who has not
    enrolled yet goes on to the second factor."""

    def get_success_url(self):
        if settings.MFA_REQUIRED and not _enrolled(self.request.user):
            return reverse("mfa_setup")
        return super().get_success_url()
