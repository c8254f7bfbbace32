"""The web app: log in with Singpass through sgID."""
