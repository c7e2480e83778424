"""VIP CN settings: one module, every deployment value read from the environment.

See README.md ("Configuration") for each variable. Bad values stop the process with
ImproperlyConfigured rather than starting a half-configured system holding CJI.
"""

import zoneinfo
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# A development key exists only while DEBUG is on; production must supply its own.
_DEV_SECRET_KEY = "django-insecure-development-only-key-never-used-when-debug-is-off"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is the development key; set a real one.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Demo mode: set by scripts/run; every page says so (and later, MFA may be relaxed).
DEMO_MODE = env.bool("VIPCN_DEMO_MODE", default=False)
# Second factor (TOTP) for every account (CJIS IA-2(1)). Only the demo run turns it off.
MFA_REQUIRED = env.bool("VIPCN_MFA_REQUIRED", default=True)
if not MFA_REQUIRED and not DEMO_MODE:
    raise ImproperlyConfigured(
        "VIPCN_MFA_REQUIRED may be off only with VIPCN_DEMO_MODE on (synthetic data)."
    )

INSTALLED_APPS = [
    "vipcn.apps.VipcnAdminConfig",  # django.contrib.admin, with the record limits
    "django.contrib.admindocs",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_include_bootstrap",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Ten single-use recovery codes per account, for a lost phone (vipcn.security.recovery).
    "django_otp.plugins.otp_static",
    "axes",
    "vipcn",
    "candidates",
    "deliveries",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL (or other character no field may hold) anywhere in the request: 400, before the
    # session is read (its key is looked up in the database) and before any view.
    "vipcn.security.bad_input.BadInputMiddleware",
    # Security chain (vipcn/security/middleware.py): no-store on signed-in pages, the access
    # log of every object view, download and refusal, the session lock, then the second factor.
    "vipcn.security.middleware.NoStoreMiddleware",
    "vipcn.security.middleware.AccessLogMiddleware",
    "vipcn.security.middleware.SessionLockMiddleware",
    "vipcn.security.middleware.SecondFactorMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "vipcn.middleware.AccessMatrixMiddleware",
    "vipcn.middleware.UserLanguageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]
if env.str("DATABASE_REPLICA_URL", default=""):
    # Last: its process_view runs the report views with their reads on the replica.
    MIDDLEWARE.append("vipcn.db_router.ReplicaReadsMiddleware")

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username before any password is checked (CJIS AC-7).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "vipcn.urls"
WSGI_APPLICATION = "vipcn.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vipcn.context_processors.vipcn",
            ],
        },
    },
]

try:
    DATABASES = {
        "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    }
except (ValueError, KeyError, environ.ImproperlyConfigured) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if DATABASES["default"].get("ENGINE") not in (
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL or SQLite.")
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost. For the
    # dashboard's aggregates (many EXISTS sub-plans, a high estimate, a few thousand rows)
    # compiling took 1.8 s of a 2.1 s query at 100k candidates (EXPLAIN ANALYZE, "JIT:");
    # this application runs short queries only, so it is off for its connections
    # (docs/benchmarks.md). VIPCN_PG_JIT=true restores the server's setting.
    if not env.bool("VIPCN_PG_JIT", default=False):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = " ".join(filter(None, [options.get("options", ""), "-c jit=off"]))
# A read replica for the dashboards and reports (README, "Scale-out"): reads of reports:* pages
# go to it, everything else (and every write) to the primary. vipcn/db_router.py.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    try:
        DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    except (ValueError, KeyError, environ.ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a valid URL: {exc}") from exc
    if DATABASES["replica"].get("ENGINE") != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must use the primary's engine.")
    for _key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        if _key in DATABASES["default"]:
            DATABASES["replica"][_key] = DATABASES["default"][_key]
    if IS_POSTGRES and not env.bool("VIPCN_PG_JIT", default=False):
        _replica_options = DATABASES["replica"].setdefault("OPTIONS", {})
        _replica_options["options"] = " ".join(
            filter(None, [_replica_options.get("options", ""), "-c jit=off"])
        )
    # Tests run on the primary alone: the replica alias mirrors it.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["vipcn.db_router.ReplicaRouter"]
# Two database roles (README, "Security", database roles): migrations, and pruning the access
# log, run as the schema's owner (MIGRATION_DATABASE_URL); the application connects as a plain
# role (DATABASE_URL) that may read and append to the access log but never change it.
MIGRATION_DATABASE_URL = env.str("MIGRATION_DATABASE_URL", default="")
MIGRATION_DATABASE = None
if MIGRATION_DATABASE_URL:
    try:
        MIGRATION_DATABASE = env.db_url_config(MIGRATION_DATABASE_URL)
    except (ValueError, KeyError, environ.ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"MIGRATION_DATABASE_URL is not a valid URL: {exc}") from exc
    if not IS_POSTGRES or MIGRATION_DATABASE.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "MIGRATION_DATABASE_URL is for PostgreSQL, with DATABASE_URL on PostgreSQL too."
        )
    if MIGRATION_DATABASE.get("NAME") != DATABASES["default"].get("NAME"):
        raise ImproperlyConfigured(
            "MIGRATION_DATABASE_URL must name the same database as DATABASE_URL."
        )
    if MIGRATION_DATABASE.get("USER") == DATABASES["default"].get("USER"):
        raise ImproperlyConfigured(
            "MIGRATION_DATABASE_URL (the owner) and DATABASE_URL (the application) must log in "
            "as different roles."
        )
    if not env.bool("VIPCN_PG_JIT", default=False):
        _owner_options = MIGRATION_DATABASE.setdefault("OPTIONS", {})
        _owner_options["options"] = " ".join(
            filter(None, [_owner_options.get("options", ""), "-c jit=off"])
        )
# Production (DEBUG off, PostgreSQL) refuses to start as a superuser or as the access log's
# owner (vipcn/dbroles.py). false: start anyway (a throwaway test server); check --deploy warns.
DATABASE_ROLE_CHECK = env.bool("VIPCN_DATABASE_ROLE_CHECK", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Session lock (CJIS AC-11): 30 minutes idle, 12 hours absolute, checked on the server by
# vipcn.security.middleware.SessionLockMiddleware; the cookie itself dies with the browser.
SESSION_IDLE_SECONDS = env.int("VIPCN_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("VIPCN_SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Database sessions: a deactivated user's sessions are found and deleted at once
# (vipcn.security.accounts.end_sessions); a cookie-only or cache-only store could not be.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Lockout (CJIS AC-7): 5 consecutive failures for a username lock it until an administrator
# releases it (admin "Access attempts", or `manage.py axes_reset_username <name>`). Failures
# more than AXES_FAILURE_WINDOW apart start the count again (vipcn.security.lockout).
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = None
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "vipcn.security.lockout.WindowedLockoutHandler"
AXES_FAILURE_WINDOW_SECONDS = 15 * 60
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 403
AXES_USERNAME_FORM_FIELD = "username"
AXES_CLIENT_IP_CALLABLE = "vipcn.security.client_ip.client_ip"
AXES_SENSITIVE_PARAMETERS = ["username", "password", "token", "otp_token", "code"]
AXES_VERBOSE = False
# axes.W006 warns that a username-only key lets an attacker dodge an IP-keyed limit by rotating
# user agents. Here the key is the username alone on purpose (AC-7 locks the account, whatever
# the address), so rotating anything but the username changes nothing.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Accounts not used for this many days are disabled by `manage.py disable_inactive_accounts`.
INACTIVE_ACCOUNT_DAYS = env.int("VIPCN_INACTIVE_ACCOUNT_DAYS", default=90)
# Access-log entries younger than this are never pruned (CJIS AU-11: at least one year).
ACCESS_LOG_RETENTION_DAYS = max(365, env.int("VIPCN_ACCESS_LOG_RETENTION_DAYS", default=365))

OTP_TOTP_ISSUER = "VIP CN"
# Administrators may remove a lost authenticator but never see its secret or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The secret of an enrolment lives in the session that started it, for this long.
MFA_ENROLMENT_SECONDS = 10 * 60

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="America/Denver")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(f"TIME_ZONE {TIME_ZONE!r} is not a known time zone.") from exc

STATIC_URL = "static/"
# Without the manifest (development, tests) serve straight from the finders.
WHITENOISE_USE_FINDERS = not env.bool("STATIC_MANIFEST", default=not DEBUG)
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# The cache holds only figures keyed on the data version (vipcn/freshness.py), so a cache per
# process (the default) is correct with any number of app servers; a shared one lets one
# computation serve them all. It holds case data (the queues list cases by name) for at most
# 15 minutes: a shared cache must be on the private network, with authentication and without
# persistence to disk, and never shared between environments (the key prefix names the
# database, so two environments on one cache do not read each other's entries).
try:
    CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
except Exception as exc:  # django-environ raises several kinds for a bad URL
    raise ImproperlyConfigured(f"CACHE_URL is not a cache URL Django knows: {exc}") from exc
CACHES["default"].setdefault(
    "KEY_PREFIX", f"vipcn:{DATABASES['default'].get('HOST', '')}:{DATABASES['default']['NAME']}"
)

# EMAIL_URL (e.g. smtp+tls://user:password@mail.example.org:587) becomes Django 6.1's MAILERS.
_email = env.email_url("EMAIL_URL", default="consolemail://")
_email_options = {
    option: _email[key]
    for key, option in (
        ("EMAIL_HOST", "host"),
        ("EMAIL_PORT", "port"),
        ("EMAIL_HOST_USER", "username"),
        ("EMAIL_HOST_PASSWORD", "password"),
        ("EMAIL_USE_TLS", "use_tls"),
        ("EMAIL_USE_SSL", "use_ssl"),
        ("EMAIL_TIMEOUT", "timeout"),
    )
    if _email.get(key) not in (None, "")
}
if "smtp" not in _email["EMAIL_BACKEND"]:
    _email_options = {}
MAILERS = {"default": {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="vipcn@localhost")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Cookies and transport. Secure by default; DEBUG (local development over http) relaxes them.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
# How many trusted proxies append to X-Forwarded-For; the client is the entry the outermost
# one added (vipcn.security.client_ip). Without a proxy only REMOTE_ADDR is believed.
TRUSTED_PROXY_COUNT = env.int("VIPCN_TRUSTED_PROXY_COUNT", default=1 if BEHIND_TLS_PROXY else 0)
if BEHIND_TLS_PROXY:
    # Only behind a proxy that strips and sets this header itself (README, "Deployment").
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (Django's own middleware): nothing inline, nothing from elsewhere.
# data: images are Bootstrap's CSS icons (select arrow, navbar toggler).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# /healthz is probed over plain http by the load balancer on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}


def _site_url(value):
    """The address people open VIP CN at, for links in emails: http(s)://host[:port][/path]."""
    from urllib.parse import urlsplit

    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    value = value.strip()
    if not value:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(value)
        parts = urlsplit(value)
    except (ValidationError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"VIPCN_SITE_URL {value!r} is not an http(s) URL such as https://vipcn.example.org"
        ) from exc
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ImproperlyConfigured(
            f"VIPCN_SITE_URL {value!r} must be a plain address: no user, query or fragment."
        )
    return value.rstrip("/")


# VIP CN settings with operational meaning (README, "Configuration").
VIPCN = {
    # Where people open VIP CN (links in emails); empty: https://<first ALLOWED_HOSTS entry>.
    "SITE_URL": _site_url(env.str("VIPCN_SITE_URL", default="")),
    # A CAD report/incident number, e.g. "26-0123456" (A-CAD).
    "CAD_NUMBER_PATTERN": env.str("VIPCN_CAD_NUMBER_PATTERN", default=r"^\d{2}-\d{7}$"),
    # Hours after an attempt before an open after-action is overdue.
    "AFTER_ACTION_OVERDUE_HOURS": env.int("VIPCN_AFTER_ACTION_OVERDUE_HOURS", default=24),
    # Days a threat assessment or background check counts before the approval and before the
    # contact (requirements.md, "preparation in time"); an older one must be redone.
    "PREPARATION_VALID_DAYS": env.int("VIPCN_PREPARATION_VALID_DAYS", default=90),
}
if VIPCN["PREPARATION_VALID_DAYS"] < 1:
    raise ImproperlyConfigured("VIPCN_PREPARATION_VALID_DAYS must be 1 or more.")
