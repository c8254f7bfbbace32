"""The baseline relying party for bench/logins.py: written the way the official sgID Flask guide
does it (sgid-client's SgidClient, an in-memory dict of sessions keyed by a cookie, no
hardening: no CSRF, no timeouts, no session rotation, no security headers).

Differences from the guide, all in the baseline's favour or neutral: /login redirects instead of
returning the URL as JSON for a frontend to follow, and the profile page renders the name in
plain HTML instead of a React page calling /api/userinfo (it calls sgID's userinfo on each
visit, as that endpoint does). Its sessions live in one process's memory, so bench/logins.py
serves it with one gunicorn worker per port and sends each client to one port (sticky sessions,
as its deployment would need).

    SGID_HOSTNAME=... SGID_CLIENT_ID=... SGID_CLIENT_SECRET=... SGID_PRIVATE_KEY_FILE=... \
    SGID_REDIRECT_URI=http://127.0.0.1:PORT/callback gunicorn baseline_rp:app

BASELINE_KEY_ONCE=1 makes it the fair peer: the same app with its key imported once.
"""

import os
from html import escape
from pathlib import Path
from uuid import uuid4

from flask import Flask, make_response, redirect, request
from sgid_client import SgidClient, generate_pkce_pair

if os.environ.get("BASELINE_KEY_ONCE"):
    # The fair peer (bench/logins.py): the guide's app with the one-line fix for the SDK's
    # costliest slip, re-importing the private key on every userinfo call (decrypt_data.py:
    # jwk.JWK.from_pem each time). The key is parsed once; everything else is the guide's.
    import functools

    from jwcrypto import jwk

    jwk.JWK.from_pem = functools.lru_cache(maxsize=2)(jwk.JWK.from_pem)

SESSION_COOKIE_NAME = "exampleAppSession"
SCOPES = os.environ.get("SGID_SCOPES", "openid myinfo.name")

app = Flask(__name__)
sgid_client = SgidClient(
    client_id=os.environ["SGID_CLIENT_ID"],
    client_secret=os.environ["SGID_CLIENT_SECRET"],
    private_key=Path(os.environ["SGID_PRIVATE_KEY_FILE"]).read_text(),
    redirect_uri=os.environ["SGID_REDIRECT_URI"],
    hostname=os.environ["SGID_HOSTNAME"],
)
session_data: dict[str, dict] = {}


@app.route("/login")
def login():
    session_id = str(uuid4())
    state = "icecream=vanilla"  # the guide's state is a form value, not a random one
    pkce_pair = generate_pkce_pair()
    url, nonce = sgid_client.authorization_url(
        code_challenge=pkce_pair.code_challenge, state=state, scope=SCOPES
    )
    session_data[session_id] = {
        "state": state,
        "nonce": nonce,
        "code_verifier": pkce_pair.code_verifier,
    }
    response = make_response(redirect(url))
    response.set_cookie(SESSION_COOKIE_NAME, session_id, httponly=True)
    return response


@app.route("/callback")
def callback():
    session_id = request.cookies.get(SESSION_COOKIE_NAME)
    session = session_data.get(session_id)
    if session is None or session["state"] != request.args.get("state"):
        return redirect("/error")
    sub, _id_token, access_token = sgid_client.callback(
        code=request.args["code"], code_verifier=session["code_verifier"], nonce=session["nonce"]
    )
    session_data[session_id] = {**session, "access_token": access_token, "sub": sub}
    return redirect("/")


@app.route("/")
def home():
    session = session_data.get(request.cookies.get(SESSION_COOKIE_NAME))
    if session is None or "access_token" not in session:
        return '<a href="/login">Log in with Singpass</a>'
    _sub, data = sgid_client.userinfo(sub=session["sub"], access_token=session["access_token"])
    return f"<h1>Welcome</h1><p>{escape(data.get('myinfo.name', ''))}</p>"


@app.route("/healthz")
def healthz():
    return "ok"
