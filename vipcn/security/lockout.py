"""Lockout after repeated failures (CJIS AC-7), on django-axes.

Axes counts failures per username forever when there is no cool-off; AC-7 wants
*consecutive failures within 15 minutes*. This handler forgets an unlocked username's
failures once AXES_FAILURE_WINDOW_SECONDS have passed since its last failure. A locked
username stays locked (no cool-off) until an administrator resets it.
"""

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


class WindowedLockoutHandler(AxesDatabaseHandler):
    def _forget_stale_failures(self, username):
        if not username:
            return
        attempts = AccessAttempt.objects.filter(username=username)
        total = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        if total >= settings.AXES_FAILURE_LIMIT:
            return  # locked: only an administrator releases it
        window = timedelta(seconds=settings.AXES_FAILURE_WINDOW_SECONDS)
        last = attempts.order_by("-attempt_time").values_list("attempt_time", flat=True).first()
        if last is not None and timezone.now() - last > window:
            attempts.delete()

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is not None:
            self._forget_stale_failures(get_client_username(request, credentials))
        return super().user_login_failed(sender, credentials, request=request, **kwargs)


def release(username):
    """Unlock a username (what the administrator's reset does); returns attempts removed."""
    count, _ = AccessAttempt.objects.filter(username=username).delete()
    return count
