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


def argument_free_patterns():
    """(view_name, route, callback) of every named URL that takes no argument: the list pages,
    searches, exports and forms one opens without naming a record (admin changelists too)."""
    import re

    return [
        (name, route, callback)
        for name, route, callback in named_patterns()
        if not re.search(r"<|\(", route)
    ]


def query_keys(html, path):
    """Parameter names a page offers for ``path``: its GET forms' fields and the query strings
    of its links back to the same path (sorting, paging, filters)."""
    from html import unescape
    from html.parser import HTMLParser
    from urllib.parse import parse_qsl, urlsplit

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__()
            self.keys, self.in_get_form = set(), False

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form":
                method = (attrs.get("method") or "get").lower()
                action = urlsplit(unescape(attrs.get("action") or path)).path or path
                self.in_get_form = method == "get" and action == path
            elif tag in ("input", "select", "textarea") and self.in_get_form:
                if attrs.get("name") and (attrs.get("type") or "").lower() != "submit":
                    self.keys.add(attrs["name"])
            elif tag == "a" and attrs.get("href"):
                href = urlsplit(unescape(attrs["href"]))
                if href.query and (href.path in ("", path)):
                    self.keys.update(k for k, _v in parse_qsl(href.query, keep_blank_values=True))

        def handle_endtag(self, tag):
            if tag == "form":
                self.in_get_form = False

    parser = Parser()
    parser.feed(html)
    return parser.keys
