"""After login the user goes back where they were, and never to another site."""

import pytest

HOSTILE = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "%2F%2Fevil.example",
    "/%0d%0aSet-Cookie:x=y",
    "https://app.example@evil.example",
    "  //evil.example",
    "/%09/evil.example",
    "https://app.example.evil.example",
    "/" + "a" * 1000,  # longer than any return path we keep
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_return_paths_go_home(flow, visitor, target):
    response = flow.log_in(visitor, next_path=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_a_local_path_is_kept(flow, visitor):
    response = flow.log_in(visitor, next_path="/?tab=profile")
    assert response.headers["Location"] == "/?tab=profile"
