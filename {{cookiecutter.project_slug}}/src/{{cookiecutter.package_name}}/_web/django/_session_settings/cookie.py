"""Django's settings for the encrypted cookie session store (settings.py imports them)."""

WEB = __package__

SESSION_APPS: list[str] = []
# Django's own signed_cookies store is readable by anyone holding the cookie; this one encrypts.
SESSION_ENGINE = f"{WEB}.sessions"
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
DATABASES: dict = {}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
