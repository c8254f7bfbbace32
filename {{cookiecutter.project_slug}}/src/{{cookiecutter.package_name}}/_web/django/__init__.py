"""The Django web layer: one Django project and app (settings, urls, views, middleware)."""
