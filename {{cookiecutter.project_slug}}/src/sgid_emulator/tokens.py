"""Keys and the production token formats: RS256 ID token, JWKS, JWE userinfo, pairwise sub.

JOSE objects are assembled by hand on top of `cryptography` (a jwcrypto dependency): the formats
are tiny, it is several times faster than going through jwcrypto objects, and the fault switches
need to bend single fields that a library would refuse to produce.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
import zlib
from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# Fixed and public on purpose: subs must survive restarts (tests and dev sessions keep users
# across runs) and these are fake people, so there is nothing to protect.
PAIRWISE_SALT = b"sgid-emulator pairwise sub v1"
_OAEP = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)
# RSA-OAEP with SHA-1, as MockPass (JOSE "RSA-OAEP") uses; OAEP does not rely on SHA-1's
# collision resistance, so this is not the weakness S303 is about.
_SHA1 = hashes.SHA1()  # noqa: S303
_OAEP_SHA1 = padding.OAEP(mgf=padding.MGF1(algorithm=_SHA1), algorithm=_SHA1, label=None)
# What the userinfo.extra_fields fault adds, for scopes the client did not request (any it did
# request keep their real values).
EXTRA_FIELDS = {
    "myinfo.nric_number": "S1234567D",
    "pocdex.public_officer_details": json.dumps(
        [
            {
                "work_email": "extra.field@agency.gov.sg",
                "agency_name": "EXTRA FIELD AGENCY",
                "department_name": "UNREQUESTED DEPARTMENT",
                "employment_type": "PERMANENT",
                "employment_title": "OFFICER",
            }
        ]
    ),
    '<script>alert("extra")</script>': '<img src=x onerror=alert("extra")>',
}
BOMB_SIZE = 100_000_000  # inflated size of the zip faults' plaintexts (jwcrypto's cap: 100 MiB)
HUGE_FIELD_SIZE = 100_000
HUGE_KEY_MEMBER_SIZE = 500_000
MANY_FIELDS = 2000


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_json(obj) -> str:
    # Compact and ASCII-only, like the JOSE libraries sgID itself uses.
    return b64u(json.dumps(obj, separators=(",", ":")).encode("ascii"))


def _int_b64u(n: int) -> str:
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def pairwise_sub(persona_id: str, client_id: str) -> str:
    """Opaque, stable per (person, client), different across clients (like sgID's pairwise sub)."""
    digest = hmac.new(PAIRWISE_SALT, f"{persona_id}\x00{client_id}".encode(), hashlib.sha256)
    return base64.b32encode(digest.digest()).decode("ascii").lower()[:32]


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey
    public_jwk: dict
    public_pem: bytes

    @classmethod
    def generate(cls) -> "SigningKey":
        private = new_rsa_key()
        numbers = private.public_key().public_numbers()
        kid = secrets.token_hex(8)
        jwk = {
            "kty": "RSA",
            "n": _int_b64u(numbers.n),
            "e": _int_b64u(numbers.e),
            "kid": kid,
            "use": "sig",
            "alg": "RS256",
        }
        pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(kid=kid, private=private, public_jwk=jwk, public_pem=pem)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data, padding.PKCS1v15(), hashes.SHA256())


class KeyRing:
    """Signing keys in memory only (never on disk); the last one signs, all are published."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys = [SigningKey.generate()]
        self._jwks_body = self._render()
        self._stranger: SigningKey | None = None

    def _render(self) -> bytes:
        return json.dumps({"keys": [k.public_jwk for k in self._keys]}).encode()

    def jwks_with_unusable_keys(self) -> bytes:
        unusable = [
            {"kty": "AKP", "alg": "ML-DSA-44", "pub": "AAAA", "kid": "pq"},
            {"kty": "foo", "kid": "foo"},
            {"kty": "oct", "k": b64u(b"not a signing key"), "kid": "oct"},
            {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        ]
        return json.dumps({"keys": unusable + [k.public_jwk for k in self._keys]}).encode()

    def jwks_without_kid(self) -> bytes:
        keys = [{n: v for n, v in k.public_jwk.items() if n != "kid"} for k in self._keys]
        return json.dumps({"keys": keys}).encode()

    @property
    def current(self) -> SigningKey:
        return self._keys[-1]

    @property
    def kids(self) -> list[str]:
        return [k.kid for k in self._keys]

    @property
    def jwks_body(self) -> bytes:
        return self._jwks_body

    def rotate(self, keep_old: bool) -> SigningKey:
        key = SigningKey.generate()  # slow part outside the lock
        with self._lock:
            self._keys = [*self._keys, key] if keep_old else [key]
            self._jwks_body = self._render()
        return key

    def stranger(self) -> SigningKey:
        """A key nobody publishes, for the unknown-kid and wrong-key faults (made on first use)."""
        with self._lock:
            if self._stranger is None:
                self._stranger = SigningKey.generate()
            return self._stranger


def make_id_token(keys: KeyRing, claims: dict, faults: frozenset[str] = frozenset()) -> str:
    key = keys.current
    header = {"alg": "RS256", "typ": "JWT", "kid": key.kid}
    if "id_token.unknown_kid" in faults:
        key = keys.stranger()
        header["kid"] = secrets.token_hex(8)
    if "id_token.embedded_jwk" in faults:
        # The attacker's own key, offered in the header under the real kid.
        key = keys.stranger()
        header["jwk"] = {n: v for n, v in key.public_jwk.items() if n != "kid"}
    if "id_token.no_kid" in faults:
        del header["kid"]
    if "id_token.alg_none" in faults:
        header = {"alg": "none", "typ": "JWT"}
        return f"{b64u_json(header)}.{b64u_json(claims)}."
    if "id_token.hs256_public_key" in faults:
        header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
        signing_input = f"{b64u_json(header)}.{b64u_json(claims)}".encode("ascii")
        mac = hmac.new(key.public_pem, signing_input, hashlib.sha256).digest()
        return f"{signing_input.decode()}.{b64u(mac)}"
    signing_input = f"{b64u_json(header)}.{b64u_json(claims)}".encode("ascii")
    signature = key.sign(signing_input)
    if "id_token.bad_signature" in faults:
        signature = bytes([signature[0] ^ 0x01]) + signature[1:]
    return f"{signing_input.decode()}.{b64u(signature)}"


def _gcm_parts(key: bytes, plaintext: bytes, protected: str) -> tuple[str, str, str]:
    iv = os.urandom(12)
    sealed = AESGCM(key).encrypt(iv, plaintext, protected.encode("ascii"))
    return b64u(iv), b64u(sealed[:-16]), b64u(sealed[-16:])


def jwe_rsa_oaep_256(public_key: rsa.RSAPublicKey, plaintext: bytes, deflated: bool = False) -> str:
    """JWE compact {"alg":"RSA-OAEP-256","enc":"A256GCM"} to the client's RSA key.

    deflated: the plaintext is already raw DEFLATE data, and the header says "zip":"DEF".
    """
    cek = os.urandom(32)
    encrypted_key = public_key.encrypt(cek, _OAEP)
    header = {"alg": "RSA-OAEP-256", "enc": "A256GCM", **({"zip": "DEF"} if deflated else {})}
    protected = b64u_json(header)
    iv, ciphertext, tag = _gcm_parts(cek, plaintext, protected)
    return f"{protected}.{b64u(encrypted_key)}.{iv}.{ciphertext}.{tag}"


def jwe_a128gcmkw(block_key: bytes, plaintext: bytes, deflated: bool = False) -> str:
    """JWE compact {"alg":"A128GCMKW","enc":"A128GCM"}: a fresh CEK wrapped with the block key."""
    cek = os.urandom(16)
    kw_iv = os.urandom(12)
    wrapped = AESGCM(block_key).encrypt(kw_iv, cek, None)
    header = {"alg": "A128GCMKW", "enc": "A128GCM", "iv": b64u(kw_iv), "tag": b64u(wrapped[-16:])}
    if deflated:
        header["zip"] = "DEF"
    protected = b64u_json(header)
    iv, ciphertext, tag = _gcm_parts(cek, plaintext, protected)
    return f"{protected}.{b64u(wrapped[:-16])}.{iv}.{ciphertext}.{tag}"


def jwe_rsa_oaep_a128cbc_hs256(public_key: rsa.RSAPublicKey, plaintext: bytes) -> str:
    """JWE compact {"alg":"RSA-OAEP","enc":"A128CBC-HS256"}, as MockPass wraps the block key."""
    cek = os.urandom(32)  # RFC 7518 5.2.3: MAC key, then AES-128 key
    encrypted_key = public_key.encrypt(cek, _OAEP_SHA1)
    protected = b64u_json({"alg": "RSA-OAEP", "enc": "A128CBC-HS256"})
    iv = os.urandom(16)
    padder = block_padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(cek[16:]), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    aad = protected.encode("ascii")
    mac_input = aad + iv + ciphertext + (len(aad) * 8).to_bytes(8, "big")
    tag = hmac.new(cek[:16], mac_input, hashlib.sha256).digest()[:16]
    return f"{protected}.{b64u(encrypted_key)}.{b64u(iv)}.{b64u(ciphertext)}.{b64u(tag)}"


def jwe_dir_a256gcm(block_key: bytes, plaintext: bytes, kid: str) -> str:
    """JWE compact {"alg":"dir","enc":"A256GCM"}: the block key is the CEK (MockPass's fields)."""
    protected = b64u_json({"alg": "dir", "enc": "A256GCM", "kid": kid})
    iv, ciphertext, tag = _gcm_parts(block_key, plaintext, protected)
    return f"{protected}..{iv}.{ciphertext}.{tag}"


def _deflate(prefix: bytes, size: int, suffix: bytes) -> bytes:
    """Raw DEFLATE of prefix + b"A" * size + suffix, built a megabyte at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    chunk = b"A" * 1_000_000
    out = [compressor.compress(prefix)]
    for _ in range(size // len(chunk)):
        out.append(compressor.compress(chunk))
    out.append(compressor.compress(b"A" * (size % len(chunk)) + suffix))
    out.append(compressor.flush())
    return b"".join(out)


@cache
def _field_bomb() -> bytes:
    return _deflate(b"", BOMB_SIZE, b"")  # about 100 kB; made once


@cache
def _key_bomb_tail() -> bytes:
    return _deflate(b"", BOMB_SIZE, b'"}')


def _key_bomb(start: bytes) -> bytes:
    """Raw DEFLATE of start + 100 MB + '"}' without compressing 100 MB per answer: the fresh
    start (it holds the block key) is flushed to a byte boundary in blocks of its own, and the
    cached tail's blocks follow (raw DEFLATE blocks concatenate; the tail refers only to itself)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(start) + compressor.flush(zlib.Z_SYNC_FLUSH) + _key_bomb_tail()


def prepare(faults: frozenset[str]) -> None:
    """Build the zip faults' bombs when the fault is switched on (about a second of CPU), so
    the answer that carries one is as quick as any other: the tests time the app, not this."""
    if "userinfo.zip_bomb_field" in faults:
        _field_bomb()
    if "userinfo.zip_key" in faults:
        _key_bomb_tail()


def _flip_ciphertext_byte(compact: str) -> str:
    parts = compact.split(".")
    raw = bytearray(base64.urlsafe_b64decode(parts[3] + "=" * (-len(parts[3]) % 4)))
    raw[0] ^= 0x01
    parts[3] = b64u(bytes(raw))
    return ".".join(parts)


def encrypt_userinfo(
    client_key: rsa.RSAPublicKey,
    values: dict[str, str],
    faults: frozenset[str] = frozenset(),
    stranger_key: rsa.RSAPublicKey | None = None,
) -> tuple[str, dict[str, str]]:
    """Return (key, data) in sgID's format: a block key for the client, one JWE per scope."""
    values = dict(values)
    if "userinfo.extra_fields" in faults:
        values.update({name: v for name, v in EXTRA_FIELDS.items() if name not in values})
    if "userinfo.huge_field" in faults and values:
        values[next(iter(values))] = "A" * HUGE_FIELD_SIZE
    target = stranger_key if ("userinfo.wrong_key" in faults and stranger_key) else client_key
    if "userinfo.mockpass_algs" in faults:
        block_key, kid = os.urandom(32), b64u(os.urandom(32))
        block_jwk = {"kty": "oct", "kid": kid, "alg": "A256GCM", "k": b64u(block_key)}
        key = jwe_rsa_oaep_a128cbc_hs256(target, json.dumps(block_jwk).encode())
        data = {scope: jwe_dir_a256gcm(block_key, v.encode(), kid) for scope, v in values.items()}
    else:
        block_key = os.urandom(16)
        block_jwk = {"kty": "oct", "alg": "A128GCM", "k": b64u(block_key)}
        if "userinfo.huge_key_jwk" in faults:
            block_jwk["pad"] = "A" * HUGE_KEY_MEMBER_SIZE
        if "userinfo.zip_key" in faults:
            start = json.dumps(block_jwk)[:-1] + ', "pad": "'
            key = jwe_rsa_oaep_256(target, _key_bomb(start.encode()), True)
        else:
            key = jwe_rsa_oaep_256(target, json.dumps(block_jwk).encode())
        data = {scope: jwe_a128gcmkw(block_key, v.encode()) for scope, v in values.items()}
        if "userinfo.zip_bomb_field" in faults and data:
            data[next(iter(data))] = jwe_a128gcmkw(block_key, _field_bomb(), deflated=True)
    if "userinfo.many_fields" in faults:
        small = jwe_a128gcmkw(block_key[:16], b"x")
        data.update({f"extra.field_{i:04d}": small for i in range(MANY_FIELDS)})
    if "userinfo.plain" in faults:
        data = dict(values)
    if "userinfo.tampered" in faults and data:
        first = next(iter(data))
        data[first] = _flip_ciphertext_byte(data[first])
    return key, data
