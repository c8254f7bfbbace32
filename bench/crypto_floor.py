"""The crypto floor of one sgID login for a relying party: the work no implementation can skip,
timed two ways: with jwcrypto, the JOSE library the adapter uses (the floor for a Python relying
party: parsing the compact forms and JSON included), and with `cryptography`'s primitives alone
(OpenSSL; no JOSE parsing at all, no HTTP):

- verify the ID token's RS256 signature (RSA-2048, PKCS#1 v1.5, SHA-256);
- decrypt userinfo's key: RSA-OAEP-256 unwraps the content key, AES-GCM opens the block key;
- per field: AES-GCM key wrap (A128GCMKW) unwraps its content key, AES-GCM opens the value.

    uv run python bench/crypto_floor.py [--fields 1] [--rounds 2000]
"""

import argparse
import json
import os
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jwcrypto import jwe, jwk, jws

OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def one_login(public_key, private_key, id_token: tuple[bytes, bytes], key_jwe, fields) -> None:
    signing_input, signature = id_token
    public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    wrapped, nonce, sealed = key_jwe
    block_key = AESGCM(private_key.decrypt(wrapped, OAEP)).decrypt(nonce, sealed, None)
    for wrapped_nonce, wrapped_cek, nonce, sealed in fields:
        cek = AESGCM(block_key).decrypt(wrapped_nonce, wrapped_cek, None)
        AESGCM(cek).decrypt(nonce, sealed, None)


def crypto_floor_ms(fields: int = 1, rounds: int = 2000) -> float:
    """Milliseconds of CPU per login's crypto, the mean over rounds (after a warm-up)."""
    sgid_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signing_input = os.urandom(600)  # an ID token's header and claims, base64url: ~600 bytes
    id_token = (signing_input, sgid_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256()))
    cek, block_key = AESGCM.generate_key(128), AESGCM.generate_key(128)
    key_nonce = os.urandom(12)
    key_jwe = (
        client_key.public_key().encrypt(cek, OAEP),
        key_nonce,
        AESGCM(cek).encrypt(key_nonce, block_key, None),
    )
    sealed_fields = []
    for _ in range(fields):
        field_cek, wrap_nonce, nonce = AESGCM.generate_key(128), os.urandom(12), os.urandom(12)
        sealed_fields.append(
            (
                wrap_nonce,
                AESGCM(block_key).encrypt(wrap_nonce, field_cek, None),
                nonce,
                AESGCM(field_cek).encrypt(nonce, b"DENISE TAN HUI MIN", None),
            )
        )
    args = (sgid_key.public_key(), client_key, id_token, key_jwe, sealed_fields)
    for _ in range(rounds // 10):
        one_login(*args)
    started = time.process_time()
    for _ in range(rounds):
        one_login(*args)
    return (time.process_time() - started) / rounds * 1000


def jose_floor_ms(fields: int = 1, rounds: int = 500) -> float:
    """The same work through jwcrypto, on tokens in sgID's formats (as the emulator makes them:
    RS256 JWS; RSA-OAEP-256/A256GCM for the block key; A128GCMKW/A128GCM per field)."""
    sgid_key = jwk.JWK.generate(kty="RSA", size=2048)
    client_key = jwk.JWK.generate(kty="RSA", size=2048)
    sgid_public = jwk.JWK.from_json(sgid_key.export_public())
    token = jws.JWS(json.dumps({"sub": "x" * 43, "aud": "client", "nonce": "n" * 43}))
    token.add_signature(sgid_key, alg="RS256", protected={"alg": "RS256", "kid": "k"})
    id_token = token.serialize(compact=True)
    block = jwk.JWK.generate(kty="oct", size=128)
    sealed_key = jwe.JWE(
        block.export().encode(), json.dumps({"alg": "RSA-OAEP-256", "enc": "A256GCM"})
    )
    sealed_key.add_recipient(jwk.JWK.from_json(client_key.export_public()))
    key_jwe = sealed_key.serialize(compact=True)
    protected = json.dumps({"alg": "A128GCMKW", "enc": "A128GCM"})
    values = []
    for _ in range(fields):
        value = jwe.JWE(b"DENISE TAN HUI MIN", protected)
        value.add_recipient(block)
        values.append(value.serialize(compact=True))

    def one_login() -> None:
        verifier = jws.JWS()
        verifier.deserialize(id_token)
        verifier.verify(sgid_public, alg="RS256")
        opened = jwe.JWE()
        opened.deserialize(key_jwe, key=client_key)
        field_key = jwk.JWK.from_json(opened.payload)
        for value in values:
            sealed = jwe.JWE()
            sealed.deserialize(value, key=field_key)

    for _ in range(rounds // 10):
        one_login()
    started = time.process_time()
    for _ in range(rounds):
        one_login()
    return (time.process_time() - started) / rounds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fields", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    print(
        f"crypto floor per login: {jose_floor_ms(args.fields, args.rounds // 4):.3f} ms "
        f"(jwcrypto), {crypto_floor_ms(args.fields, args.rounds):.3f} ms (primitives)"
    )


if __name__ == "__main__":
    main()
