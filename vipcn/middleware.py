from django.core.exceptions import PermissionDenied
from django.utils import translation

from vipcn import access


class AccessMatrixMiddleware:
    """Deny every view the access matrix does not open to one of the user's roles.

    Runs after Django's LoginRequiredMiddleware, so anonymous users have already been sent
    to the login page; views marked ``login_not_required`` (login, health check) pass.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if access.is_delegated(view_name):
            return None
        if not access.can_open(request.user, view_name):
            raise PermissionDenied
        return None


class UserLanguageMiddleware:
    """Use the language a signed-in user chose (stored on their profile) on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = getattr(getattr(user, "profile", None), "language", "")
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
