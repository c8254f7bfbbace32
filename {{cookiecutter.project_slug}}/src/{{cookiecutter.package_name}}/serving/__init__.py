"""How the app is served: the log format, and the gunicorn command line of the WSGI frameworks."""
