"""The FastAPI app factory, in process through Starlette's TestClient: routes, the session
cookie, refusals and error pages as FastAPI produces them."""

import asyncio
import dataclasses
import socket

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.config import ConfigError, load_settings
from {{ cookiecutter.package_name }}.web import create_app
from {{ cookiecutter.package_name }}.web.server import dev_command, production_command
from {{ cookiecutter.package_name }}.web.uvicorn_nodelay import Config

from tests.web import in_process


def test_routes_and_methods(client):
    assert client.get("/").status_code == 200
    assert client.get("/profile").status_code == 302  # to log in first
    assert client.get("/login").status_code == 302
    assert client.get("/callback").status_code == 400  # no state: refused, but routed
    assert client.get("/logged-out").status_code == 200
    assert client.get("/healthz").status_code == 200
    for path in ("/", "/profile", "/login", "/callback"):
        assert client.post(path).status_code == 405, path


def test_no_api_schema_or_docs_pages(client):
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404


def log_in(client: TestClient) -> list[str]:
    """A whole login; the callback's Set-Cookie headers."""
    response = in_process.log_in(client)
    assert response.status_code == 303
    return response.headers.get_list("set-cookie")


def test_cookies_in_development(client):
    assert client.get("/login").headers["set-cookie"].startswith("sgid_login=")
    (cookie,) = [c for c in log_in(client) if c.startswith("session=")]
    assert "; Path=/;" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on localhost


def test_cookies_in_production(settings):
    # The production gate refuses the test settings; only the cookies are under test here.
    production = dataclasses.replace(settings, app_env="production")
    with TestClient(
        create_app(production), base_url="https://testserver", follow_redirects=False
    ) as client:
        response = client.get("/login")
        assert response.headers["set-cookie"].startswith("__Host-sgid_login=")
        cookies = log_in(client)
    (cookie,) = [c for c in cookies if c.startswith("__Host-session=")]
    assert "; Secure" in cookie and "; Path=/;" in cookie and "Domain" not in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_anonymous_pages_set_no_cookie(client):
    for path in ("/", "/logged-out", "/healthz", "/static/app.css", "/no-such-page"):
        assert "set-cookie" not in client.get(path).headers, path


def test_a_planted_session_id_is_never_adopted(client):
    client.cookies.set("session", "chosen-by-an-attacker")
    (cookie,) = [c for c in log_in(client) if c.startswith("session=")]
    assert not cookie.startswith("session=chosen-by-an-attacker")


def test_logout_without_a_session_is_refused(client):
    response = client.post("/logout", data={"csrf_token": "guess"})
    assert response.status_code == 400 and "Your session has expired" in response.text


def test_get_logout_is_a_friendly_405(client):
    response = client.get("/logout")
    assert response.status_code == 405 and "POST" in response.headers["allow"]
    assert "This page cannot be used that way" in response.text


def test_oversized_forms_are_refused_with_the_friendly_page(client):
    response = client.post("/logout", content=b"csrf_token=" + b"x" * 100_000)
    assert response.status_code == 413 and "Too large" in response.text
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_head_is_answered_like_get(client):
    for path in ("/", "/logged-out", "/healthz", "/static/app.css"):
        assert client.head(path).status_code == 200, path


def test_static_files_carry_the_headers_but_may_be_cached(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Cache-Control" not in response.headers


def test_an_unexpected_error_is_a_friendly_500_with_headers(settings):
    app = create_app(settings)

    @app.get("/boom")
    async def boom():
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.text and "a bug" not in response.text
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_factory_refuses_bad_configuration(app_env):
    with pytest.raises(ConfigError, match="SGID_REDIRECT_URI"):
        create_app(load_settings({**app_env, "SGID_REDIRECT_URI": "not a url"}))


def test_servers_hide_the_banner_and_the_query_logging_access_log():
    production = production_command("127.0.0.1", "8000", "3")
    development, _ = dev_command("127.0.0.1", 8000)
    for command in (production, development):
        assert command[1:3] == ["-m", "{{ cookiecutter.package_name }}.web.uvicorn_nodelay"]
        assert "--no-server-header" in command and "--no-access-log" in command
    assert production[production.index("--workers") + 1] == "3"
    assert "--reload" in development and "--reload" not in production


def test_connections_to_a_multi_worker_server_get_tcp_nodelay():
    """Without it every keep-alive request but the first waits ~40 ms (uvicorn_nodelay.py)."""
    listener = Config(app="unused:app", host="127.0.0.1", port=0).bind_socket()

    async def nodelay_of_an_accepted_connection() -> int:
        accepted = asyncio.get_running_loop().create_future()

        class Accept(asyncio.Protocol):
            def connection_made(self, transport):  # as uvicorn's worker gets it from asyncio
                option = (socket.IPPROTO_TCP, socket.TCP_NODELAY)
                accepted.set_result(transport.get_extra_info("socket").getsockopt(*option))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Accept, sock=listener)
        async with server:
            _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
            option = await asyncio.wait_for(accepted, timeout=10)
            writer.close()
        return option

    assert asyncio.run(nodelay_of_an_accepted_connection()) != 0
