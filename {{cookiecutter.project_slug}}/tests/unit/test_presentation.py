"""How values are shown, and which return paths are kept."""

import pytest

from {{ cookiecutter.package_name }}.sgid.profile import present, readable_date
from {{ cookiecutter.package_name }}.sgid.redirects import safe_return_path


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("2030-08-09", "9 August 2030"), ("1992-07", "July 1992"), ("1965", "1965"), ("soon", "soon")],
)
def test_dates_are_readable_and_partial_dates_stay_partial(raw, shown):
    assert readable_date(raw) == shown


def test_values_are_rendered_by_kind():
    fields = {
        f.scope: f
        for f in present(
            {
                "myinfo.registered_address": "1 JALAN MÉRAH\n\nSINGAPORE 278116",
                "myinfo.email": "NA",
                "myinfo.vehicles": "[]",
                "pocdex.public_officer_details": '[{"work_email": "a@b.sg", "agency_name": "NA"}]',
            }
        )
    }
    assert fields["myinfo.registered_address"].lines == ["1 JALAN MÉRAH", "SINGAPORE 278116"]
    assert fields["myinfo.email"].kind == "missing"
    assert fields["myinfo.vehicles"].kind == "missing"
    assert fields["myinfo.vehicles"].text == "None on record"  # not a bare "None"
    officer = fields["pocdex.public_officer_details"]
    assert officer.kind == "table" and officer.rows[0][:2] == ["a@b.sg", "Not provided"]


@pytest.mark.parametrize("path", ["/", "/profile", "/a/b?c=d#e", "/search?q=a%20b", "/caf%C3%A9"])
def test_local_paths_are_kept(path):
    assert safe_return_path(path) == path


@pytest.mark.parametrize(
    "path",
    ["//evil.example", "/\\evil", "https://evil.example", "", None, "/%2F%2Fevil", "/%5Cevil"]
    + ["/%09/evil", "/a%00b", "/a%0d%0aSet-Cookie:x"],
)
def test_other_paths_go_home(path):
    assert safe_return_path(path) == "/"
