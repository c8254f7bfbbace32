"""The pages every framework renders: templates, static files and what each error page says."""

from pathlib import Path

# The one copy of the Jinja templates and the static files, served by every framework.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
