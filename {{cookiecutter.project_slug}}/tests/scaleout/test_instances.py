"""Two instances on one store: a login, and a logout, on one counts on the other."""

import pytest
import requests

from {{ cookiecutter.package_name }}.config import SESSION_STORE

from tests.support.cluster import log_in_across
from tests.support.http_client import Flow

pytestmark = pytest.mark.scaleout


def test_a_login_started_on_one_instance_completes_on_the_other(pair, visitor):
    first, second = pair
    response = log_in_across(visitor, start_on=first, finish_on=second)
    assert response.status_code == 303, response.text
    assert Flow(second).is_logged_in(visitor)
    assert Flow(first).is_logged_in(visitor)


def test_logout_on_one_instance_is_effective_on_the_other(pair, visitor):
    first, second = pair
    assert log_in_across(visitor, start_on=second, finish_on=first).status_code == 303
    copy = requests.Session()
    copy.cookies.update(visitor.cookies)  # a copy of the session cookie, taken before logout
    token = Flow(first).csrf_token(visitor)
    response = visitor.post(f"{second}/logout", data={"csrf_token": token}, allow_redirects=False)
    assert response.status_code == 303
    assert not Flow(first).is_logged_in(visitor)
    if SESSION_STORE != "cookie":  # the encrypted cookie stays valid until it expires (README)
        assert not Flow(first).is_logged_in(copy)
        assert not Flow(second).is_logged_in(copy)
