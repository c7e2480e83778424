"""Second-factor enrollment and verification (CJIS IA-2(1))."""

import io
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from vipcn.models import AccessLogEntry
from vipcn.security import audit
from vipcn.security.forms import TokenForm

Action = AccessLogEntry.Action
Outcome = AccessLogEntry.Outcome


def _next_url(request):
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return next_url


def _pending_device(user):
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def _verified(request, device, action):
    otp_login(request, device)
    # A new session key once the second factor raises the session's privilege.
    request.session.cycle_key()
    audit.record(action, request=request, object_type="otp_device", object_id=device.pk)


def _check(request, form, device):
    """Whether the form's code verifies on the device; a refusal is explained and logged."""
    allowed, _info = device.verify_is_allowed()
    if allowed and device.verify_token(form.cleaned_data["token"]):
        return True
    audit.record(
        Action.MFA_FAILED,
        Outcome.FAILURE,
        request=request,
        object_type="otp_device",
        object_id=device.pk,
        detail="" if allowed else "throttled",
    )
    if not allowed:
        form.add_error("token", _("Too many wrong codes. Wait a little before trying again."))
    else:
        form.add_error("token", _("That code is not valid, or was already used. Try the next one."))
    return False


def mfa_setup(request):
    """First login: show a QR code (served by this app) and confirm the first code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{_verify_url()}?next={quote(_next_url(request))}")
    device = _pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _check(request, form, device):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            _verified(request, device, Action.MFA_ENROLLED)
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(_next_url(request))
    return render(
        request,
        "registration/mfa_setup.html",
        {"form": form, "secret": _base32(device), "next": _next_url(request)},
    )


def mfa_qr(request):
    """The enrollment QR code as SVG; only while the device is not yet confirmed."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None:
        raise Http404
    out = io.BytesIO()
    write_qrcode_image(device.config_url, out)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


def mfa_verify(request):
    """Every login: the password is one factor; this asks for the code."""
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True).order_by("pk"))
    if not devices:
        return redirect(f"{_setup_url()}?next={quote(_next_url(request))}")
    if getattr(request.user, "is_verified", lambda: False)():
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # One authenticator per account (an administrator removes a lost one).
        device = devices[0]
        if _check(request, form, device):
            _verified(request, device, Action.MFA_VERIFIED)
            return redirect(_next_url(request))
    return render(
        request, "registration/mfa_verify.html", {"form": form, "next": _next_url(request)}
    )


def _base32(device):
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


def _verify_url():
    from django.urls import reverse

    return reverse("mfa_verify")


def _setup_url():
    from django.urls import reverse

    return reverse("mfa_setup")
