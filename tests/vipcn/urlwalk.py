"""Walk the URL conf so that every page, including ones added later, is tested by default."""

import uuid

from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE = {"int": "1", "str": "sample", "slug": "sample", "uuid": str(uuid.uuid4()), "path": "x"}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}{p.namespace}:"
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", prefix + str(p.pattern), p.callback


def named_patterns():
    """(view_name, route, callback) for every named URL of the project."""
    return list(_walk(get_resolver().url_patterns))


def sample_path(route):
    """A concrete path for a route such as 'cases/<int:pk>/' or a regex route."""
    import re

    def converter(match):
        return SAMPLE.get(match.group(1) or "str", "sample")

    def group(match):
        body = match.group(1)
        alternatives = body.split("|")
        return alternatives[0] if len(alternatives) > 1 else "1"

    path = re.sub(r"\((?:\?P<\w+>)?([^)]*)\)", group, route)
    path = re.sub(r"<(?:(\w+):)?\w+>", converter, path)
    return "/" + path.replace("^", "").replace("$", "")
