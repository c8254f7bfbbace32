"""Protections every framework shares: the security headers and the sealed, signed cookies."""
