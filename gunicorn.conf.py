"""gunicorn settings for VIP CN (README, "Production serving"): `gunicorn -c gunicorn.conf.py`.

gunicorn names itself in a `Server` header on every response; nothing tells a client which
software (and so which advisories) to try, so the header is left out. The test
tests/vipcn/test_server_header.py starts gunicorn with the README's command and checks it.
"""

import gunicorn.http.wsgi


class _Response(gunicorn.http.wsgi.Response):
    def default_headers(self):
        return [h for h in super().default_headers() if not h.lower().startswith("server:")]


# gunicorn builds every response through this name (gunicorn.http.wsgi.create).
gunicorn.http.wsgi.Response = _Response
