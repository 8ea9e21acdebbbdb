"""Django settings, read from ``RETAIN_*`` environment variables only.

Every variable read here must be documented in the README's configuration table
(``tests/test_docs.py`` fails otherwise). Secrets are never in the repository: when
``RETAIN_SECRET_KEY`` or ``RETAIN_FIELD_KEY`` is unset, a key is generated once into the
data directory and reused from there.
"""

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    value = int(raw) if raw else default
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def _key_from_file(path: Path, make) -> str:
    """Read a key kept in the data directory, creating it (mode 0600) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path.read_text().strip()


DATA_DIR = Path(os.environ.get("RETAIN_DATA_DIR", "./retain-data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("RETAIN_SECRET_KEY") or _key_from_file(
    DATA_DIR / "secret.key", lambda: secrets.token_urlsafe(50)
)
# Key for encrypted personal fields (national ID numbers). Losing it makes them unreadable.
FIELD_ENCRYPTION_KEY = os.environ.get("RETAIN_FIELD_KEY") or _key_from_file(
    DATA_DIR / "field.key", lambda: Fernet.generate_key().decode()
)

DEBUG = _env_bool("RETAIN_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("RETAIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("RETAIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("RETAIN_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'retain.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while the worker writes; the busy timeout waits instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The tests' database is a file as well, not memory: one test starts a real worker process on
    # it (tests/jobs/test_worker.py).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-retain.sqlite3")}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "retain.web",
    "retain.org",
    "retain.customers",
    "retain.jobs",
    "retain.channels",
    "retain.sales",
    "retain.care",
    "retain.surveys",
    "retain.loyalty",
    "retain.cases",
    "retain.insights",
    "retain.demo",
    "django.forms",  # last: its widget templates, behind the few that retain.web rewrites
]
# Widgets render through the project's template settings, so retain.web's templates come first.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    "retain.api.JsonErrors",  # outermost: every error under /api/ answers JSON, whoever answered it
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "retain.org.middleware.RequestContextMiddleware",
    "retain.org.middleware.NoStoreMiddleware",
    # Last, so its lockout page is rendered in the language LocaleMiddleware chose.
    "axes.middleware.AxesMiddleware",
]

# -- login throttling (django-axes) -------------------------------------------------------------
# Failed logins are counted per (username, client address): after RETAIN_LOGIN_FAILURES wrong
# passwords that pair is refused, even with the right password, for RETAIN_LOGIN_LOCKOUT_MINUTES;
# the same user from another address, and other users from this address, are not affected.
AUTHENTICATION_BACKENDS = [
    "retain.org.auth.ThrottledLogins",
    "retain.org.auth.Passwords",
]
AXES_FAILURE_LIMIT = _env_int("RETAIN_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=_env_int("RETAIN_LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "retain.web.lockout.locked_out"
AXES_VERBOSE = False

# -- cache: figures shared by every server process (retain.sales.figures) ---------------------------
# A directory under the data directory: every process of one server sees it, nothing to run.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                      "LOCATION": str(DATA_DIR / "cache")}}

# Sessions read through that cache (written through to the database): a signed-in page costs no
# session query, and signing out or expiry still ends the session everywhere.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# -- background work (django-tasks, the database backend; `retain worker` runs it) -----------------
# Tests run tasks inline (tests/conftest.py switches the backend to ImmediateBackend).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Finished task results (with their tracebacks) are kept this long, then the job jobs.prune removes them.
TASK_RESULT_DAYS = _env_int("RETAIN_TASK_RESULT_DAYS", 14)

# -- outbound e-mail (retain.channels' e-mail channel, through Django's SMTP backend) -------------
# Without RETAIN_SMTP_HOST the e-mail channel is off: its messages are dead-lettered with that
# reason instead of vanishing. RETAIN_SMTP_SECURITY: "starttls" (default), "ssl" or "none".
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("RETAIN_SMTP_HOST", "")
EMAIL_PORT = _env_int("RETAIN_SMTP_PORT", 587)
EMAIL_HOST_USER = os.environ.get("RETAIN_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RETAIN_SMTP_PASSWORD", "")
_SMTP_SECURITY = os.environ.get("RETAIN_SMTP_SECURITY", "starttls").strip().lower()
if _SMTP_SECURITY not in {"starttls", "ssl", "none"}:
    raise ValueError(f"RETAIN_SMTP_SECURITY must be starttls, ssl or none, not {_SMTP_SECURITY!r}")
EMAIL_USE_TLS, EMAIL_USE_SSL = _SMTP_SECURITY == "starttls", _SMTP_SECURITY == "ssl"
EMAIL_TIMEOUT = _env_int("RETAIN_SMTP_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("RETAIN_SMTP_FROM", "retain@localhost")

# -- customer imports (customers/imports) ---------------------------------------------------------
# A file larger than IMPORT_MAX_MB, with more data rows than IMPORT_MAX_ROWS, or an XLSX whose parts
# would unpack to more than IMPORT_MAX_UNPACKED_MB is refused before anything is read into the database.
IMPORT_MAX_BYTES = _env_int("RETAIN_IMPORT_MAX_MB", 20) * 1024 * 1024
IMPORT_MAX_ROWS = _env_int("RETAIN_IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_UNPACKED_BYTES = _env_int("RETAIN_IMPORT_MAX_UNPACKED_MB", 400) * 1024 * 1024
# Uploads waiting between the web preview and the confirmed import (removed after a day).
IMPORT_UPLOAD_DIR = DATA_DIR / "uploads"

# -- API tokens -----------------------------------------------------------------------------------
API_TOKEN_DAYS = _env_int("RETAIN_TOKEN_DAYS", 90)

# -- headers and transport ------------------------------------------------------------------------
# Scripts only from this site's static files: no inline <script>, no on* attributes, no eval
# (htmx's eval is switched off in base.html). Charts follow the same rule: data in a
# json_script block (type application/json, which the browser does not run) read by a static
# JS file. Styles may be inline: Plotly.js writes its own <style> rules and bar widths are
# style attributes; a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The address customers reach this site at: survey links in messages and QR codes start with it.
PUBLIC_URL = os.environ.get("RETAIN_PUBLIC_URL", "http://127.0.0.1:8000")
HTTPS = _env_bool("RETAIN_HTTPS")
if HTTPS:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

ROOT_URLCONF = "retain.urls"
WSGI_APPLICATION = "retain.wsgi.application"
AUTH_USER_MODEL = "org.Staff"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role lands on its own work (retain.web.views.home)
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "retain.web.context.navigation",
                "retain.web.context.notices",
            ],
            # ``{% url %}`` from a cached path template, in every template (see the module).
            "builtins": ["retain.web.templatetags.fast_url"],
            # ``{% load i18n %}`` is Django's library with each literal's translation kept per language.
            "libraries": {"i18n": "retain.web.templatetags.kept_i18n"},
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("RETAIN_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("RETAIN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Plotly.js comes from the plotly wheel under a versioned path (retain.web.finders), so browsers may
# keep it for good: a new plotly version is a new URL.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "retain.web.finders.PlotlyFinder",
]
WHITENOISE_IMMUTABLE_FILE_TEST = r"/vendor/plotly-[0-9.]+/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refusal (403) is an expected answer, not a fault: one line, without the traceback
    # django.request would attach (see retain.web.log_filters).
    "filters": {"one_line_refusals": {"()": "retain.web.log_filters.OneLineRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line_refusals"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
