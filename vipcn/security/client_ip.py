"""The client's IP address, believing X-Forwarded-For only behind the documented proxy."""

import ipaddress

from django.conf import settings


def _valid(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request):
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the outermost one saw.

    Each trusted proxy appends the address it received the request from, so the client is
    the N-th entry from the right; anything further left was written by the client and is
    not believed.
    """
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
    if len(forwarded) < count:
        return remote
    return _valid(forwarded[-count]) or remote
