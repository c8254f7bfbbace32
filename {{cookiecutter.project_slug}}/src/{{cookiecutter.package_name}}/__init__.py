"""{{ cookiecutter.project_name }}: log in with Singpass through sgID."""
