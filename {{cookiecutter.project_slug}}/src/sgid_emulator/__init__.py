"""A local sgID v2 for development and tests: never deploy it.

Run it with ``python -m sgid_emulator --help``. It speaks the production wire format
(RS256 ID tokens with ``kid``, pairwise ``sub``, JWE-encrypted userinfo) closely enough that the
official SDK cannot tell it from sgID, and it is stricter than most providers so relying-party
bugs show up here first. Fault switches make it misbehave on purpose.

Modules: __main__ (CLI), config (clients), personas, tokens (keys, ID token, userinfo JWE),
faults, server (routing) with framing (HTTP), state, authorize and oidc (the sgID endpoints),
admin (the admin API) and pages (HTML and CSS).
"""
