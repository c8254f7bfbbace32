"""The key commands: a private key is written 0600 and never printed."""

import stat

from {{ cookiecutter.package_name }}.keys import main, public_pem, write_key_pair


def test_register_prints_what_to_register_and_keeps_the_private_key_private(tmp_path, capsys):
    out = tmp_path / "sgid-keys"
    assert main(["register", "--out", str(out), "--redirect-uri", "https://a.gov.sg/callback"]) == 0
    printed = capsys.readouterr().out
    private = out / "sgid-private.pem"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert (out / "sgid-public.pem").read_text() in printed
    assert "https://a.gov.sg/callback" in printed and "openid" in printed
    assert private.read_text().splitlines()[1] not in printed


def test_register_refuses_a_plain_http_redirect_uri(tmp_path):
    assert main(["register", "--out", str(tmp_path), "--redirect-uri", "http://a/callback"]) == 1
    assert not (tmp_path / "sgid-private.pem").exists()


def test_register_never_overwrites_a_key(tmp_path):
    args = ["register", "--out", str(tmp_path), "--redirect-uri", "https://a.gov.sg/callback"]
    assert main(args) == 0
    before = (tmp_path / "sgid-private.pem").read_bytes()
    assert main(args) == 1
    assert (tmp_path / "sgid-private.pem").read_bytes() == before


def test_dev_keys_are_made_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["dev"]) == 0
    before = (tmp_path / ".dev-keys" / "sgid-private.pem").read_bytes()
    assert main(["dev"]) == 0
    assert (tmp_path / ".dev-keys" / "sgid-private.pem").read_bytes() == before


def test_public_pem_is_the_public_half(tmp_path):
    private_path, public_path = write_key_pair(tmp_path)
    public = public_pem(private_path.read_text())
    assert public == public_path.read_text()
    assert "PRIVATE" not in public
