"""Django settings, all derived from the shared, checked settings (config.py, the environment).

A bad variable stops the app with config.py's one-line message; serve.py and dev.py report it
before Django starts.
"""

import logging
import os
from urllib.parse import urlsplit

from ..config import load_settings
from ..pages import STATIC_DIR, TEMPLATES_DIR
from ..serving.logs import configure as configure_logging
from .session_settings import (  # noqa: F401 (Django reads them from this module)
    CACHES,
    DATABASE_URL,
    DATABASES,
    SESSION_APPS,
    SESSION_ENGINE,
    SESSION_MIDDLEWARE,
)

APP_SETTINGS = load_settings()
PRODUCTION = APP_SETTINGS.production
WEB = __package__

SECRET_KEY = APP_SETTINGS.secret_key
# Never on, not even in development: Django's debug pages show settings and personal data.
DEBUG = False

# Hosts Django answers for: this app's public name (the host sgID sends people back to), the
# loopback names (the container's health check), and any listed in ALLOWED_HOSTS, comma
# separated (say, the address a load balancer's health check uses).
_public = urlsplit(APP_SETTINGS.sgid_redirect_uri)
ALLOWED_HOSTS = [_public.hostname or "localhost", "localhost", "127.0.0.1", "[::1]"] + [
    host.strip() for host in os.environ.get("ALLOWED_HOSTS", "").split(",") if host.strip()
]
# Behind a TLS proxy Django may see http while the browser's Origin says https.
CSRF_TRUSTED_ORIGINS = [f"{_public.scheme}://{_public.netloc}"]
if APP_SETTINGS.trusted_proxies:
    # TRUSTED_PROXIES: a proxy in front sets these headers, so believe them (request.scheme,
    # request.get_host()). Django reads the first value of each: the proxy must replace, not
    # append to, headers a client sent. Off by default: a client could forge them.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

INSTALLED_APPS = [
    *SESSION_APPS,
    # Django's users (models.py) and the admin site for staff (admin.py).
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.messages",
    f"{WEB}.apps.AdminConfig",
    WEB,
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Logging in is sgID's callback (auth.py) and nothing else: no passwords.
AUTH_USER_MODEL = "web.User"
AUTHENTICATION_BACKENDS = [f"{WEB}.backends.SgidBackend"]
# Where @login_required and LoginRequiredMixin send people: /login?next=<the page>.
LOGIN_URL = "/login"

MIDDLEWARE = [
    # First, so it sees every answer, static files and error pages included.
    f"{WEB}.middleware.request_log",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so static files carry the headers too.
    f"{WEB}.middleware.security_headers",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    SESSION_MIDDLEWARE,
    # Django's, within the session's time limits (login.current_user).
    f"{WEB}.middleware.AuthenticationMiddleware",
    f"{WEB}.middleware.csrf_token_field",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",  # the admin's notes
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    f"{WEB}.middleware.friendly_method_not_allowed",
]

ROOT_URLCONF = f"{WEB}.urls"
WSGI_APPLICATION = f"{WEB}.wsgi.application"
TEMPLATES = [
    {
        # The Jinja templates every framework renders (pages/templates/), through Django's own
        # Jinja2 backend; it adds csrf_token (lazily: anonymous pages make no session).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [TEMPLATES_DIR],
        "OPTIONS": {
            "environment": f"{WEB}.views.jinja_environment",
            # Edited templates show at once in development, as in Flask and FastAPI.
            "auto_reload": not PRODUCTION,
        },
    },
    {
        # The admin's own templates (Django's template language); the pages above come first.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

# Sessions: the store's settings (SESSION_ENGINE, CACHES) come from session_settings.py, and so
# does DATABASES (DATABASE_URL): Django's users live in it whatever the session store.
# Cookie attributes are the same for every store.
# __Host- makes the browser refuse the cookie unless it is Secure, host-only and Path=/.
SESSION_COOKIE_NAME = "__Host-session" if PRODUCTION else "session"
SESSION_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"  # Lax: the cookie must come back on sgID's redirect
SESSION_COOKIE_AGE = max(1, round(APP_SETTINGS.session_max_hours * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Django's default, kept: a request that does not change the session writes nothing, store or
# cookie. login.current_user() changes it (the last-seen time) at most once a minute
# (TOUCH_EVERY), and that save renews the store's expiry and the cookie.
SESSION_SAVE_EVERY_REQUEST = False

# The CSRF secret lives in the session: one cookie, and logging out ends the token too.
CSRF_USE_SESSIONS = True
CSRF_FAILURE_VIEW = f"{WEB}.error_handlers.csrf_failure"

# security/headers.py sets the same values on every response; these keep Django's own
# middleware (and `manage.py check --deploy`) in agreement with it.
SECURE_HSTS_SECONDS = 63072000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [
    # SECURE_SSL_REDIRECT: TLS ends at the proxy in front, which redirects http. Redirecting here
    # too loops whenever that proxy's X-Forwarded-Proto is not trusted; HSTS and the Secure
    # __Host- cookie already keep sessions on https.
    "security.W008",
    # SECURE_HSTS_PRELOAD: joining the browsers' preload list binds the whole domain for years,
    # a decision for the domain's owner, not a template default.
    "security.W021",
]

# The package ships app.css ready to serve: nothing to collect. WhiteNoise serves it.
STATIC_URL = "/static/"
STATIC_ROOT = STATIC_DIR

DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
USE_I18N = False
USE_TZ = True
TIME_ZONE = "UTC"

# The format every framework logs in (serving/logs.py): JSON lines in production, plain in
# development.
LOGGING_CONFIG = None
configure_logging(PRODUCTION)
# One line per request in development too: runserver logs every request itself ("django.server")
# beside the app's own line (middleware.py). Its start-up lines go to stdout and stay.
logging.getLogger("django.server").setLevel(logging.CRITICAL)
# Django also logs every 4xx as a warning ("Not Found: /path"); the request's line says it. Server
# errors stay, with their traceback.
logging.getLogger("django.request").addFilter(
    lambda record: getattr(record, "status_code", 500) >= 500
)
