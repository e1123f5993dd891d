"""Careloop settings: one module, configured from the environment.

Works with no variables at all for development. With CARELOOP_ENVIRONMENT=production
it refuses to start without a SECRET_KEY and turns on every transport protection.
"""

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

from careloop.lib.env import (
    EnvError,
    backup_key,
    email_settings,
    envbool,
    envint,
    envlist,
    envstr,
    jobs_settings,
    object_storage_settings,
)

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent

ENVIRONMENT = envstr("CARELOOP_ENVIRONMENT", "development").lower()
if ENVIRONMENT not in {"development", "production"}:
    raise EnvError("CARELOOP_ENVIRONMENT must be 'development' or 'production'")
PRODUCTION = ENVIRONMENT == "production"
TESTING = "pytest" in sys.modules or envbool("CARELOOP_TESTING", False)

DEBUG = envbool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise EnvError("DEBUG must be off when CARELOOP_ENVIRONMENT=production")

SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise EnvError("SECRET_KEY is required when CARELOOP_ENVIRONMENT=production")
    # A development-only key: sessions signed with it are worthless anywhere else.
    SECRET_KEY = "careloop-development-only-key-not-for-production-use-0123456789"  # noqa: S105

DATA_DIR = Path(envstr("CARELOOP_DATA_DIR", str(BASE_DIR / "data"))).resolve()
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"

ALLOWED_HOSTS = envlist(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
# Links made during a page view use that request's own address; SITE_URL is for
# background jobs (e-mails, reminders), which have none. `check --deploy` warns when
# production leaves it unset.
SITE_URL_CONFIGURED = bool(envstr("SITE_URL"))
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "careloop.practices",
    "careloop.audit",
    "careloop.directory",
    "careloop.clients",
    "careloop.referrals",
    "careloop.therapy",
    "careloop.entitlements",
    "careloop.measures",
    "careloop.consent",
    "careloop.letters",
    "careloop.outreach",
    "careloop.insights",
    "careloop.publicsite",
    "careloop.enquiries",
    "careloop.interop",
    "careloop.records",
    "careloop.web",
    "careloop.dashboard",
    "careloop.backups",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # one-time backup codes
    "axes",
    "csp",
    "django_filters",
    "django_htmx",
    "huey.contrib.djhuey",
]
# Demo data must never be written into a live practice's database.
DEMO_ALLOWED = not PRODUCTION
if DEMO_ALLOWED:
    # Synthetic data and its command exist only where they cannot mix with real records.
    INSTALLED_APPS.append("careloop.demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "careloop.web.middleware.SecurityHeadersMiddleware",
    # A practice's own domain serves its public site at the root (publicsite/hosts.py).
    "careloop.publicsite.hosts.PracticeDomainMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Renews a signed-in session's 30-minute clock, at most once a minute.
    "careloop.web.middleware.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads request.POST: size and rate are checked unread.
    "careloop.web.middleware.BodyGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Every view needs a signed-in user unless it is marked @login_not_required
    # (sign-in, password reset, the public site, no-account links, the HL7 gateway).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "careloop.practices.middleware.PracticeMiddleware",
    "careloop.practices.middleware.TwoFactorMiddleware",
    # Axes must come last: it reads the outcome of the login views above.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "careloop.urls"
WSGI_APPLICATION = "careloop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "careloop.web.context_processors.navigation",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
# Both are PostgreSQL's refinements, meant to be left out on SQLite: an index's included
# key (index-only lookups: the name indexes of clients.Client and directory.Doctor,
# directory.MedicalPractice's place index) and a unique constraint with NULLs not
# distinct (outreach.OutreachTask, which adds a second constraint for SQLite).
SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]

DATABASE_URL = envstr("DATABASE_URL")
if DATABASE_URL:
    # Health checks: a connection kept from before a failover (its server stopped, or was
    # restarted as a standby) fails at the start of the next request instead of in it, and
    # is opened again to whichever host of the URL takes writes (with several hosts and
    # target_session_attrs=read-write; see the README's high availability).
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    # The planner's default cost of a random page read (4, for spinning disks) made it
    # read every client of a practice (54,000 rows, 17 ms) rather than fetch the 1,200
    # rows a name's index points to (4 ms): the working set is in memory or on SSD, as
    # PostgreSQL's documentation suggests lowering it for. The URL's own options, if
    # any, come after and win.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"-c random_page_cost=1.1 {_options.get('options', '')}".strip()
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / envstr("CARELOOP_SQLITE_NAME", "careloop.sqlite3")),
            "OPTIONS": {
                # WAL lets readers carry on while a write commits; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue instead of failing mid-way.
                # Writes are short (the outbox does its I/O outside transactions), so a
                # writer waits for the lock for up to 20 s rather than answering
                # "database is locked" after 5.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_URL = envstr("REDIS_URL")
# Keeps two installations apart on one Redis (production and staging): every cache key,
# session and job queue of this one starts with it.
REDIS_PREFIX = envstr("CARELOOP_REDIS_PREFIX")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
    # Every app server reads the same sessions. Only the cache, not "cached_db": the
    # 30-minute inactivity clock saves a session once a minute while it is used, which
    # cached_db would turn into database writes; a session lost with Redis costs a
    # sign-in, nothing more. Without Redis, sessions stay in the database (each worker's
    # in-process cache is its own).
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"

# The public website's pages are kept in each worker's memory too; it asks the shared
# cache whether the practice published a change at most this often (careloop/web/
# public_cache.py). Tests ask every time: each test starts with an empty cache.
PUBLIC_CACHE_RECHECK_SECONDS = (
    envint("CARELOOP_PUBLIC_CACHE_RECHECK_MS", 0 if TESTING else 1000) / 1000
)

# --- Background jobs ------------------------------------------------------------------
# Letters, e-mails and PDFs leave through Huey's consumer (`careloop run_huey`, started by
# `make run`), which also runs the periodic jobs declared in each app's tasks.py. Tests run
# every job at once, in the test's own process.
JOBS_IMMEDIATE = envbool("CARELOOP_JOBS_IMMEDIATE", TESTING)
if not REDIS_URL and not JOBS_IMMEDIATE:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
HUEY = jobs_settings(REDIS_URL, DATA_DIR, immediate=JOBS_IMMEDIATE, redis_prefix=REDIS_PREFIX)

# --- Backups --------------------------------------------------------------------------
# `careloop backup` and the nightly job write encrypted archives of the database and every
# stored file here, keeping the newest CARELOOP_BACKUP_KEEP. Without a key the nightly job
# only warns, and `check --deploy` says so. A malformed key stops start-up.
BACKUP_KEY = envstr("CARELOOP_BACKUP_KEY")
if BACKUP_KEY:
    backup_key(BACKUP_KEY)
BACKUP_DIR = Path(envstr("CARELOOP_BACKUP_DIR", str(DATA_DIR / "backups"))).resolve()
BACKUP_KEEP = envint("CARELOOP_BACKUP_KEEP", 14)
if BACKUP_KEEP < 1:
    raise EnvError("CARELOOP_BACKUP_KEEP must be at least 1")

# --- Accounts and security ------------------------------------------------------------
AUTH_USER_MODEL = "practices.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Lock an account after five failed logins in a row; it unlocks after 15 minutes
# or when an owner unlocks it. Counting by username and address together stops a
# stranger from locking a colleague out from another network.
AXES_FAILURE_LIMIT = envint("CARELOOP_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failures are counted in the database (django-axes' default, named here because it
# matters): every app server and worker sees the same count, so a lockout holds
# whichever server the next try reaches.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_VERBOSE = False
AXES_ENABLED = envbool("CARELOOP_LOGIN_LOCKOUT", True)
# The lockout, rate limits and audit log all see the client through one function,
# which believes X-Forwarded-For only as far as CARELOOP_PROXY_COUNT proxies.
BEHIND_PROXY = envbool("CARELOOP_BEHIND_PROXY", False)
TRUSTED_PROXY_COUNT = envint("CARELOOP_PROXY_COUNT", 1 if BEHIND_PROXY else 0)
AXES_CLIENT_IP_CALLABLE = "careloop.lib.network.client_address"
AXES_USERNAME_CALLABLE = "careloop.lib.network.lockout_username"

# Inactive sessions end after 30 minutes. Activity renews the clock, at most once a
# minute (careloop.web.middleware.SessionRenewalMiddleware): saved on every request, a
# session cost a database write per page view.
SESSION_COOKIE_AGE = envint("CARELOOP_SESSION_MINUTES", 30) * 60
# Tests renew on every request, as before: a page's query count then does not depend on
# how long ago the test's previous request was (the tests of the renewal set it to 60).
SESSION_RENEW_EVERY_SECONDS = 0 if TESTING else 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = envbool("CARELOOP_HTTPS", PRODUCTION)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and envbool("CARELOOP_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline script or style anywhere: every script is a hashed static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

OTP_TOTP_ISSUER = "Careloop"

# --- E-mail ---------------------------------------------------------------------------
_email_url = envstr("EMAIL_URL", "memory://" if TESTING else "console://")
for _key, _value in email_settings(_email_url).items():
    globals()[_key] = _value
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Careloop <no-reply@careloop.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en-au"
TIME_ZONE = "Australia/Sydney"
USE_I18N = True
USE_TZ = True
# Our own en_AU formats: dd/mm/yyyy everywhere, 24-hour times on staff pages.
FORMAT_MODULE_PATH = ["careloop.formats"]

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
# Uploaded documents, signed consents, records reports, logos and website images: in
# MEDIA_ROOT on this machine, or with CARELOOP_S3_BUCKET in an S3-compatible bucket that
# several app servers share (private objects, served only through Careloop's own views).
S3_BUCKET = envstr("CARELOOP_S3_BUCKET")
STORAGES = {
    "default": (
        object_storage_settings(
            S3_BUCKET,
            endpoint_url=envstr("CARELOOP_S3_ENDPOINT_URL"),
            region=envstr("CARELOOP_S3_REGION"),
            prefix=envstr("CARELOOP_S3_PREFIX"),
            access_key=envstr("AWS_ACCESS_KEY_ID"),
            secret_key=envstr("AWS_SECRET_ACCESS_KEY"),
        )
        if S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0
# Tests and DEBUG serve straight from the source folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = TESTING or DEBUG
WHITENOISE_AUTOREFRESH = TESTING or DEBUG


MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# `make bench-public` compares the public pages with a bare view, served at /bench/bare
# only when this is on (careloop/bench_public.py turns it on for its own server).
BENCH_BARE_VIEW = envbool("CARELOOP_BENCH_BARE_VIEW", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One line per message on standard error, "LEVEL logger: message"; systemd's journal
    # (or the container's log) adds the time and the service. See docs/deploy.md.
    "formatters": {"plain": {"format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint reports each step of every PDF (and of its own start-up) at INFO.
        "weasyprint": {"level": "WARNING"},
        # Given a handler here, the consumer does not add a second one of its own.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
