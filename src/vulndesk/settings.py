"""The one settings module. Everything an operator changes comes from a VULNDESK_* variable.

A bad value stops start-up with ImproperlyConfigured naming the variable and what it expects.

Production runs behind a TLS-terminating reverse proxy with VULNDESK_HTTPS=1: plain-HTTP
requests are redirected to HTTPS, browsers are told to use HTTPS only (HSTS, one year, with
subdomains; VULNDESK_HSTS_PRELOAD=1 adds `preload`, a commitment that is slow to undo), the
session and CSRF cookies are sent over HTTPS only, and the proxy's X-Forwarded-Proto header
says whether a request came in over HTTPS. With VULNDESK_HTTPS=1, DEBUG off and a long random
VULNDESK_SECRET_KEY, `vulndesk check --deploy` is clean. VULNDESK_PROXY_COUNT (default 0) is the
number of reverse proxies in front of vulndesk; login lockout then reads the client address
from X-Forwarded-For, which those proxies must set.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from None


def default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "vulndesk"


DATA_DIR = Path(os.environ.get("VULNDESK_DATA_DIR") or default_data_dir()).expanduser()


SECRET_KEY_FILE = DATA_DIR / "secret_key"


def read_secret_key() -> str:
    """The key comes from VULNDESK_SECRET_KEY, else from the file `vulndesk init` writes."""
    if key := os.environ.get("VULNDESK_SECRET_KEY"):
        return key
    key_file = SECRET_KEY_FILE
    try:
        return key_file.read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        # Commands that need no key (init, policy) still start; anything that signs refuses.
        return ""
    except OSError as exc:
        raise ImproperlyConfigured(
            f"cannot read {key_file}: {exc.strerror}. Fix its permissions, or set "
            "VULNDESK_SECRET_KEY."
        ) from exc


DEBUG = env_bool("VULNDESK_DEBUG", False)
SECRET_KEY = read_secret_key()
ALLOWED_HOSTS = env_list("VULNDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("VULNDESK_CSRF_TRUSTED_ORIGINS", [])

DATABASE_URL = (
    os.environ.get("VULNDESK_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'vulndesk.sqlite3'}"
)
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
except ValueError as exc:
    raise ImproperlyConfigured(
        f"VULNDESK_DATABASE_URL={DATABASE_URL!r}: {exc}. Expected sqlite:///PATH or "
        "postgres://USER:PASSWORD@HOST:PORT/NAME"
    ) from exc
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one failing
    # with "database is locked" half-way through a transaction.
    _database["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    _database["CONN_MAX_AGE"] = 0
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "ninja",
    "vulndesk.desk",
    "vulndesk.accounts",
    "vulndesk.notify",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "vulndesk.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers a locked-out login after everything else ran.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "vulndesk.urls"
WSGI_APPLICATION = "vulndesk.wsgi.application"

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
            ],
        },
    },
]

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Off by default because `vulndesk serve` speaks plain HTTP on loopback; see the docstring.
HTTPS = env_bool("VULNDESK_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env_bool("VULNDESK_HSTS_PRELOAD", False)
# Preload is the operator's decision for the whole domain, so its warning is not ours to fix.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# A working day: a stolen session cookie is worth little by the next morning.
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("VULNDESK_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Scripts, styles and images from our own origin only; no inline code, no framing, no
# form posts elsewhere. htmx is served from /static/ and configured to need nothing more.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}

# Security-team members and operators confirm each sign-in with a TOTP code
# (vulndesk.accounts.middleware); wrong codes wait 1, 2, 4, 8… seconds before the next try.
OTP_TOTP_ISSUER = "vulndesk"
OTP_TOTP_THROTTLE_FACTOR = 1

# Five wrong passwords for one username from one address lock that pair out for 15 minutes,
# counted from the fifth failure: tries during the lockout do not extend it, so the lockout page
# can say when it ends, and a stranger cannot lock a user out from everywhere.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "vulndesk.accounts.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "vulndesk.accounts.lockout.client_address"
PROXY_COUNT = env_int("VULNDESK_PROXY_COUNT", 0)

# Outgoing mail (acknowledgements), sent by the task worker. The timeout bounds how long one
# send may hold its outbox row (and, on SQLite, the database's write lock).
EMAIL_HOST = os.environ.get("VULNDESK_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("VULNDESK_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("VULNDESK_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("VULNDESK_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("VULNDESK_EMAIL_TLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("VULNDESK_FROM_EMAIL", "vulndesk@localhost")
# Where people reach this desk, for links in mail the worker sends (no request to ask there).
BASE_URL = os.environ.get("VULNDESK_BASE_URL", "").rstrip("/")
# The CVE Numbering Authority named in exported CVE records: its organisation UUID and short
# name as CVE Services lists them (`vulndesk advisory export --format cve` may override them).
CNA_ORG_ID = os.environ.get("VULNDESK_CNA_ORG_ID", "").strip()
CNA_SHORT_NAME = os.environ.get("VULNDESK_CNA_SHORT_NAME", "").strip()

# A request body over 1 MiB is refused before any view reads it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Files do not count toward it: the report form limits each file and their number itself, and
# files over 1 MiB wait in a temporary file rather than in memory while the form checks them.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_PERMISSIONS = 0o600

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("VULNDESK_LOG_LEVEL", "WARNING")},
}
