"""Return paths after login that can never send the user to another site."""

import re
from urllib.parse import unquote

DEFAULT = "/"
MAX_LENGTH = 512
# A same-site path: one "/" then a character that is not "/" or "\" (which browsers treat as
# "//", a protocol-relative URL to another host), then printable ASCII without spaces or "\".
_SAFE_PATH = re.compile(r"/(?![/\\])[\x21-\x5b\x5d-\x7e]*")
# Decoded: the same start, and no control character (C0 or C1) or "\" anywhere. Spaces and
# non-ASCII letters (a search for "a b", a page named "café") are fine once decoded.
_SAFE_DECODED = re.compile(r"/(?![/\\])[^\x00-\x1f\x7f-\x9f\\]*")


def safe_return_path(value: str | None) -> str:
    """`value` if it is a path on this site, otherwise "/"."""
    if not value or len(value) > MAX_LENGTH:
        return DEFAULT
    # Check the decoded form too: "/%2F%2Fevil" or "/%09/evil" decode to something a browser
    # or a proxy may treat as another host.
    decoded = unquote(value)
    if not (_SAFE_PATH.fullmatch(value) and _SAFE_DECODED.fullmatch(decoded)):
        return DEFAULT
    return value
