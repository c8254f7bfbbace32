"""The app's own idea of its people, the same for every web framework.

access.py   who may log in (called on every login, before any session exists)
records.py  the app's record of each person, keyed by sgID's `sub` (called on every login)
user.py     the signed-in person as Flask and FastAPI views get it (Django: request.user)
"""
