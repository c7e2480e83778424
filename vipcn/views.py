from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from vipcn.models import UserProfile
from vipcn.roles import LEAD, MANAGER, has_role


def home(request):
    # The Lead and the Program Manager run the program from the dashboard; staff keep this page.
    if has_role(request.user, LEAD, MANAGER):
        return redirect("reports:dashboard")
    return render(request, "vipcn/home.html")


@login_not_required
@never_cache
def healthz(request):
    """Load-balancer probe: 200 when the database answers, 503 otherwise. No data exposed."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_POST
def set_language(request):
    """Switch the interface language and remember it on the user's profile."""
    from django.conf import settings

    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("That language is not available."))
        language = translation.get_language()
    else:
        UserProfile.objects.update_or_create(user=request.user, defaults={"language": language})
        translation.activate(language)
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # No request context: the failure may be in the database or a context processor.
    return HttpResponseServerError(loader.get_template("500.html").render())
