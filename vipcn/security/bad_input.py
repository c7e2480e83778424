"""Bad bytes are bad input: one guard for every page, present and future.

PostgreSQL cannot store or compare a NUL character in text: a search for ``%00`` reached the
database and failed there (``psycopg.DataError``, a 500). An unpaired surrogate cannot be encoded
for the database either. No person types either character, so a request carrying one anywhere a
view may read it (path, query, form, cookie, header) is answered 400 before any view runs, and
nothing is read or written for it.
"""

import re

from django.http import HttpResponseBadRequest
from django.template import loader
from django.utils.cache import add_never_cache_headers

# NUL, and the UTF-16 surrogate range (never a character of valid UTF-8 text).
INVALID = re.compile("[\x00\ud800-\udfff]")


def has_invalid_character(value):
    return isinstance(value, str) and INVALID.search(value) is not None


def _multi_values(querydict):
    for key, values in querydict.lists():
        yield key
        yield from values


def invalid_input(request):
    """The first place of the request that holds a character no field may hold, else ''."""
    if has_invalid_character(request.path_info):
        return "path"
    if any(has_invalid_character(v) for v in _multi_values(request.GET)):
        return "query"
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        if any(has_invalid_character(v) for v in _multi_values(request.POST)):
            return "form"
        if any(has_invalid_character(f.name) for f in request.FILES.values()):
            return "form"
    if any(has_invalid_character(f"{k}={v}") for k, v in request.COOKIES.items()):
        return "cookie"
    if any(has_invalid_character(v) for k, v in request.META.items() if k.startswith("HTTP_")):
        return "header"
    return ""


class BadInputMiddleware:
    """400 for a request with a NUL or an unpaired surrogate in any parameter.

    Placed outside every middleware that reads the session (a session cookie is looked up in
    the database, on the way in or out) and before any view, so that no page needs its own
    check.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if invalid_input(request):
            # A page of its own, without the user's menu: rendering that would read the
            # session, whose cookie may be the bad input.
            response = HttpResponseBadRequest(loader.render_to_string("400.html"))
            add_never_cache_headers(response)
            return response
        return self.get_response(request)
