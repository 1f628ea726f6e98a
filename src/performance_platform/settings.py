"""Django settings, read from environment variables.

Every variable is documented in ``docs/configuration.md``. The defaults are safe for one
person running the platform on their own machine: an embedded SQLite database and a
generated secret key, both kept under ``./var/``.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str) -> str:
    """The variable's value, or ``default`` when it is unset or empty."""
    value = os.environ.get(name, "").strip()
    return value or default


VAR_DIR = Path(_env("PP_VAR_DIR", str(Path.cwd() / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def _secret_key() -> str:
    """Use SECRET_KEY if set; otherwise keep a generated key under VAR_DIR.

    A generated key survives restarts (so sessions stay valid) without anyone
    having to invent one for local use.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    except OSError:
        return secrets.token_urlsafe(50)
    # Written whole under a name of our own, then linked into place: processes started
    # at the same moment (several `serve`s) all end up with the one key, never half of it.
    key = secrets.token_urlsafe(50)
    draft = VAR_DIR / f".secret_key.{os.getpid()}"
    try:
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        try:
            os.link(draft, path)
        except FileExistsError:
            return path.read_text().strip()  # another process was first: use its key
        return key
    except OSError:
        return key
    finally:
        draft.unlink(missing_ok=True)


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in _env("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Lock-out after repeated failed sign-ins; its migrations run with ours.
    "axes",
    "performance_platform.accounts",
    "performance_platform.datastore",
    "django_tasks_db",
    "performance_platform.worker",
    "performance_platform.kpis",
    "performance_platform.dashboards",
    "performance_platform.site",
    "performance_platform.configuration",
    "performance_platform.onboarding",
    "performance_platform.uploads",
    "performance_platform.collectors",
    "performance_platform.alerts",
    "performance_platform.survey",
    "performance_platform.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise, so static files get the policies too (an SVG is a document).
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, which serves static files precompressed at collectstatic; above
    # everything that makes a page or an API answer, so all of them are compressed.
    "performance_platform.middleware.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "performance_platform.urls"
WSGI_APPLICATION = "performance_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "performance_platform.dashboards.context.manage",
            ],
        },
    },
]

DATABASE_URL = _env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'performance-platform.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the busy
        # timeout instead of failing with "database is locked" on lock upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests that start real server processes need a file both sides can open.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-performance-platform.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = _env("REDIS_URL", "")
# Seconds to wait for Redis to connect, or to answer, before carrying on without the
# cache: a Redis that hangs must not hang requests (datastore/softcache.py).
REDIS_TIMEOUT_SECONDS = _env_float("REDIS_TIMEOUT_SECONDS", 0.5)
# Seconds a process leaves the cache alone after it failed, before trying it again.
CACHE_RETRY_SECONDS = _env_float("CACHE_RETRY_SECONDS", 10)
# Largest answer kept in the cache (bytes). Read API answers larger than this are also
# sent as they are read from the database (streamed) instead of built in memory first.
CACHE_MAX_ENTRY_BYTES = _env_int("CACHE_MAX_ENTRY_BYTES", 4 * 1024 * 1024)


def redis_caches(url: str, timeout: float) -> dict:
    """``CACHES`` for a Redis at ``url``, giving up on a connection or reply after
    ``timeout`` seconds, with no retries (the platform carries on without the cache)."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
    }


if REDIS_URL:
    CACHES = redis_caches(REDIS_URL, REDIS_TIMEOUT_SECONDS)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# People sign in by email address; the model is ours so that later apps can refer to it.
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/manage/sign-in"
LOGIN_REDIRECT_URL = "/manage"
LOGOUT_REDIRECT_URL = "/manage/sign-in"
# Where the site is, as people reach it: links in emails are made from it.
SITE_URL = _env("SITE_URL", "http://127.0.0.1:8000")
# Days an invitation's set-password link works.
INVITATION_DAYS = _env_int("INVITATION_DAYS", 7)
# Seconds a password-reset link works (Django's own setting): one hour.
PASSWORD_RESET_TIMEOUT = _env_int("PASSWORD_RESET_TIMEOUT", 3600)

# --- Sign-in: lock-out (django-axes) -------------------------------------------
# After AXES_FAILURE_LIMIT failed sign-ins for one email address from one client address,
# that pair is locked out for AXES_COOLOFF_MINUTES (each further try while locked starts
# the wait again). A successful sign-in clears the count.
AXES_FAILURE_LIMIT = _env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env_float("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "performance_platform.accounts.clients.lockout_username"
AXES_LOCKOUT_CALLABLE = "performance_platform.accounts.views.locked_out"
# The client's address: REMOTE_ADDR, or the proxy's X-Forwarded-For entry only when
# TRUST_X_FORWARDED_FOR says a proxy we trust sets it (accounts/clients.py).
AXES_CLIENT_IP_CALLABLE = "performance_platform.accounts.clients.client_ip"
# Never the passwords tried: axes keeps only the email address and the client.
# No start-up banner: `make run` ends with the addresses to open.
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "new_password1", "new_password2"]
# Whether X-Forwarded-For is believed: only behind a reverse proxy that sets it (and
# removes any the client sent). Off by default: a client could name any address.
TRUST_X_FORWARDED_FOR = _env_bool("TRUST_X_FORWARDED_FOR", False)

# --- Sign-in: single sign-on by OpenID Connect (mozilla-django-oidc) -------------
# Off unless OIDC_ENABLED; docs/operations.md#single-sign-on-oidc says how to set it up.
OIDC_ENABLED = _env_bool("OIDC_ENABLED", False)
OIDC_RP_CLIENT_ID = _env("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = _env("OIDC_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
# The provider's endpoints: each one set, or read from OIDC_DISCOVERY_URL (the provider's
# /.well-known/openid-configuration) the first time one is needed, never at start-up.
OIDC_DISCOVERY_URL = _env("OIDC_DISCOVERY_URL", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = _env("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = _env("OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = _env("OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = _env("OIDC_JWKS_ENDPOINT", "")
# Whether a person the provider vouches for, with no account here, gets one (with no
# role). Off: only invited people can sign in.
OIDC_CREATE_USERS = _env_bool("OIDC_CREATE_USERS", False)
OIDC_CREATE_USER = OIDC_CREATE_USERS
OIDC_TIMEOUT = _env_int("OIDC_TIMEOUT", 10)
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc-callback"
LOGIN_REDIRECT_URL_FAILURE = "/manage/sign-in/refused"

# Axes first (it refuses a locked-out client before any password is checked), then
# passwords, then single sign-on (which only answers its own callback).
AUTHENTICATION_BACKENDS = [
    "performance_platform.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "performance_platform.accounts.oidc.OIDCBackend",
]

# --- Email ---------------------------------------------------------------------
# EMAIL_PROVIDER chooses how mail leaves: "console" (printed by the server; the local
# default), "file" (one file per message under EMAIL_FILE_PATH), "smtp" or "notify"
# (GOV.UK Notify's REST API). Django 6.1's MAILERS setting holds the choice; the tests
# replace it with the in-memory backend (Django's test set-up does).
EMAIL_PROVIDER = _env("EMAIL_PROVIDER", "console")
DEFAULT_FROM_EMAIL = _env("DEFAULT_FROM_EMAIL", "Performance Platform <noreply@localhost>")


def mailer(provider: str) -> dict:
    """The ``MAILERS["default"]`` entry for ``provider``, from the EMAIL_* variables."""
    if provider == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": _env("EMAIL_FILE_PATH", str(VAR_DIR / "email"))},
        }
    if provider == "smtp":
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _env("EMAIL_HOST", "localhost"),
                "port": _env_int("EMAIL_PORT", 25),
                "username": _env("EMAIL_HOST_USER", "") or None,
                "password": _env("EMAIL_HOST_PASSWORD", "") or None,
                "use_tls": _env_bool("EMAIL_USE_TLS", False),
                "timeout": _env_int("EMAIL_TIMEOUT", 10),
            },
        }
    if provider == "notify":
        return {
            "BACKEND": "performance_platform.accounts.notify.NotifyEmailBackend",
            "OPTIONS": {
                "api_key": _env("NOTIFY_API_KEY", ""),
                "template_id": _env("NOTIFY_TEMPLATE_ID", ""),
                "base_url": _env("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
            },
        }
    if provider == "locmem":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}


MAILERS = {"default": mailer(EMAIL_PROVIDER)}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "performance_platform.site.storage.StaticFilesStorage"},
}

# --- Public site (front end) ---------------------------------------------------
# GOV.UK Frontend as `make install` puts it (npm ci). Only the fonts, images and JavaScript
# that pages load are served from it, under /static/govuk/ (site/finders.py says why). When
# the folder is missing (a bare `pip install`), pages still work: without that JavaScript,
# which they never need, and without the built stylesheet (site/static/site/app.css, from
# `npm run build`), which the base template then leaves out.
GOVUK_FRONTEND_DIR = BASE_DIR.parent.parent / "node_modules" / "govuk-frontend" / "dist" / "govuk"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "performance_platform.site.finders.GovukFrontendFinder",
]

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and _env_bool("SECURE_COOKIES", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# A form sent without a valid CSRF token gets a GOV.UK page saying nothing changed.
CSRF_FAILURE_VIEW = "performance_platform.accounts.views.csrf_failure"
# Origins allowed to post forms when behind a proxy, e.g. "https://performance.example".
CSRF_TRUSTED_ORIGINS = [o.strip() for o in _env("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
# Trust X-Forwarded-Proto from the reverse proxy, so Django knows the request was HTTPS.
if _env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS, only when the operator says the site is served over HTTPS: browsers then refuse
# plain HTTP to it for HSTS_SECONDS. SecurityMiddleware sends it on HTTPS requests only
# (behind a proxy, those it vouches for with BEHIND_HTTPS_PROXY).
if _env_bool("SERVED_OVER_HTTPS", False):
    SECURE_HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = False  # preloading is a commitment for the whole domain: not ours

# Content-Security-Policy (django-csp): everything from this site, nothing inline, no
# plugins, no framing, forms only to this site. Pages keep their scripts and styles in
# static files (site/templates/site/base.html), and so does the Django admin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Permissions-Policy (django-permissions-policy): no page uses any of these features, so
# none is allowed, to the site or to anything it might embed.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Write API ---------------------------------------------------------------
# What one write may hold: limits a server can serve. Chosen by measuring (`make bench`,
# the memory benchmark; docs/api.md#size-limits): the largest request they allow keeps a
# server process well under 300 MB, and the most records finish well inside gunicorn's
# 120-second timeout on a busy PostgreSQL. Bigger bodies and batches get 413, records
# with too many fields 400, before the work they would cost is done.
# Largest request body accepted as sent on the wire (bytes).
WRITE_MAX_BODY_BYTES = _env_int("WRITE_MAX_BODY_BYTES", 10 * 1024 * 1024)
# Largest body after gzip decompression (bytes), as in the original platform.
WRITE_MAX_GZIP_BYTES = _env_int("WRITE_MAX_GZIP_BYTES", 10 * 1024 * 1024)
# Most records in one request.
WRITE_MAX_RECORDS = _env_int("WRITE_MAX_RECORDS", 50_000)
# Most fields in one record, counting its _id, _timestamp, _start_at and _end_at.
WRITE_MAX_FIELDS = _env_int("WRITE_MAX_FIELDS", 1_000)
# Token for `DELETE /data-sets/<name>`; unset disables the endpoint.
DATA_SET_ADMIN_TOKEN = _env("DATA_SET_ADMIN_TOKEN", "")

# Spreadsheet uploads (uploads/): the largest file accepted, counted as it streams in, and
# the most rows a file may hold, counted as it is read. A file of more than
# UPLOAD_BACKGROUND_BYTES bytes is read and stored by the worker (so the page never waits
# on it), which emails the uploader when it is done.
UPLOAD_MAX_BYTES = _env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
UPLOAD_MAX_ROWS = _env_int("UPLOAD_MAX_ROWS", 200_000)
UPLOAD_BACKGROUND_BYTES = _env_int("UPLOAD_BACKGROUND_BYTES", 512 * 1024)

# Dashboard requests (/performance/get-a-dashboard/request): how many each client address
# may send, as django-ratelimit's "<count>/<period>" (s, m, h or d). Counted in the cache.
DASHBOARD_REQUEST_RATE = _env("DASHBOARD_REQUEST_RATE", "5/h")

# How often (seconds) a page with a realtime module asks for its newest figure, with
# JavaScript (site/static/site/realtime.js). 0 (or less) turns the refresh off.
REALTIME_REFRESH_SECONDS = max(0, _env_int("REALTIME_REFRESH_SECONDS", 120))

# The done-page survey (/performance/<slug>/done; docs/guide.md, "The done-page survey").
# Answers each client address may send, as django-ratelimit's "<count>/<period>": enough
# for an office or a library behind one address, too few for a flood. Counted in the cache.
SURVEY_RATE = _env("SURVEY_RATE", "20/h")
# The longest comment taken, in characters (the page's character count shows it).
SURVEY_COMMENT_MAX_CHARS = _env_int("SURVEY_COMMENT_MAX_CHARS", 1200)
# Days an answer and its comment are kept before the worker deletes them (the day's count
# stays in the data set).
SURVEY_COMMENT_RETENTION_DAYS = _env_int("SURVEY_COMMENT_RETENTION_DAYS", 365)
# Seconds between the worker's runs of that deletion.
SURVEY_RETENTION_CHECK_SECONDS = _env_int("SURVEY_RETENTION_CHECK_SECONDS", 3600)

# Where the public can report an accessibility problem (shown on the accessibility
# statement). Unset: the statement says to contact the team without an address.
CONTACT_EMAIL = _env("CONTACT_EMAIL", "")

# --- Background work ---------------------------------------------------------
# Django's tasks framework, queued in the main database (no other service needed).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Attempts per task before it is kept as FAILED (errors of every attempt are kept).
TASK_MAX_ATTEMPTS = _env_int("TASK_MAX_ATTEMPTS", 5)
# Seconds before the first retry; each further retry waits twice as long, up to the max.
TASK_RETRY_DELAY = _env_int("TASK_RETRY_DELAY", 30)
TASK_RETRY_MAX_DELAY = _env_int("TASK_RETRY_MAX_DELAY", 3600)
# Seconds without a heartbeat after which a worker's running task is taken over.
WORKER_LEASE_SECONDS = _env_int("WORKER_LEASE_SECONDS", 60)
# Seconds between scheduled freshness checks (stale flags on KPI summaries): the longest
# a KPI tile can lag behind the clock in saying "out of date".
FRESHNESS_CHECK_SECONDS = _env_int("FRESHNESS_CHECK_SECONDS", 300)
# Collectors (docs/configuration.md, "Collectors"). Credentials are encrypted with the
# first of these Fernet keys; any of them decrypts (for rotation). Unset: a key derived
# from SECRET_KEY, for local use.
COLLECTOR_CREDENTIALS_KEYS = _env("COLLECTOR_CREDENTIALS_KEYS", "")
COLLECTOR_TIMEOUT = _env_float("COLLECTOR_TIMEOUT", 30.0)
COLLECTOR_MAX_BYTES = _env_int("COLLECTOR_MAX_BYTES", 20 * 1024 * 1024)
COLLECTOR_ATTEMPTS = _env_int("COLLECTOR_ATTEMPTS", 5)
COLLECTOR_RETRY_DELAY = _env_float("COLLECTOR_RETRY_DELAY", 2.0)
COLLECTOR_RETRY_MAX_DELAY = _env_float("COLLECTOR_RETRY_MAX_DELAY", 120.0)
COLLECTOR_LEASE_SECONDS = _env_int("COLLECTOR_LEASE_SECONDS", 900)
COLLECTOR_CHECK_SECONDS = _env_int("COLLECTOR_CHECK_SECONDS", 60)
# Availability checks of start pages (docs/collectors.md, "Availability checks"): the
# longest one request may take, the wait before the second try, and whether a check may
# call an address on a private network (off: a manager's address cannot probe ours).
AVAILABILITY_TIMEOUT = _env_float("AVAILABILITY_TIMEOUT", 10.0)
AVAILABILITY_RETRY_DELAY = _env_float("AVAILABILITY_RETRY_DELAY", 5.0)
AVAILABILITY_PRIVATE_ADDRESSES = _env_bool("AVAILABILITY_PRIVATE_ADDRESSES", False)

# Stale-data alerts and weekly summaries (alerts/; docs/operations.md, "Stale-data
# alerts"). Seconds between checks for stale data sets (owners are reminded as often as
# the original notifier's table says, however often this runs), and between checks
# whether the week's summaries are due: they go at the first check on or after Monday
# 07:00 in ALERTS_TIME_ZONE, which is also the time zone the emails give times in.
ALERT_CHECK_SECONDS = _env_int("ALERT_CHECK_SECONDS", 3600)
SUMMARY_CHECK_SECONDS = _env_int("SUMMARY_CHECK_SECONDS", 900)
ALERTS_TIME_ZONE = _env("ALERTS_TIME_ZONE", "Europe/London")

# Where the demo's Matomo answers (``demo-provider``, which `make run` starts): the demo's
# collectors point at it, and the command listens on its host and port.
DEMO_PROVIDER_URL = _env("DEMO_PROVIDER_URL", "http://127.0.0.1:8001/")

WORKER_SCHEDULE = {
    "check-freshness": {
        "task": "performance_platform.kpis.tasks.check_freshness",
        "every": FRESHNESS_CHECK_SECONDS,
    },
    # Queues a run of every collector that is due (each run takes its collector's lease).
    "run-collectors": {
        "task": "performance_platform.collectors.tasks.run_due_collectors",
        "every": COLLECTOR_CHECK_SECONDS,
    },
    "stale-data-alerts": {
        "task": "performance_platform.alerts.tasks.send_stale_alerts",
        "every": ALERT_CHECK_SECONDS,
    },
    "weekly-summaries": {
        "task": "performance_platform.alerts.tasks.send_weekly_summaries",
        "every": SUMMARY_CHECK_SECONDS,
    },
    # Deletes done-page answers older than SURVEY_COMMENT_RETENTION_DAYS.
    "survey-retention": {
        "task": "performance_platform.survey.tasks.delete_expired_comments",
        "every": SURVEY_RETENTION_CHECK_SECONDS,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No preview token in any log line (a 500's "Internal Server Error: <path>" included).
    "filters": {
        "preview_tokens": {"()": "performance_platform.server.logfilters.HidePreviewTokens"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["preview_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # django-axes logs every sign-in attempt at INFO; the audit trail records them
        # (with less: never a password field), so its log says only what goes wrong.
        "axes": {"level": "WARNING"},
    },
}
