"""The sgID side of the app, the same for every web framework.

adapter.py   the only code that talks to sgID (what the official sgid-client does, safely)
catalog.py   what each scope means and how to show it
login.py     one login attempt: state, nonce, PKCE verifier and return path
redirects.py return paths that can never leave the site
(the local sgID emulator for development and tests is src/sgid_emulator, outside the app)
"""
