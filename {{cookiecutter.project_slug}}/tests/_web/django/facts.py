"""What the shared tests expect of this framework in particular; each framework's tests/web/
folder has a facts.py with these names."""

# The production server (python -m {{ cookiecutter.package_name }}.serve), whose own limits
# refuse some requests before the app sees them.
SERVER = "gunicorn"
# Whether /login opens the session of someone logged in, and so answers 503 while the session
# store is down (the login in progress itself lives in a cookie of its own).
LOGIN_OPENS_THE_SESSION = True
