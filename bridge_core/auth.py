"""Tokens, nonces and proofs: the pure cryptography of the handshake (no sockets here).

A token is a shared secret of at least 128 bits (``new_token`` makes 256: 64 hex digits). It never crosses the
wire: each side proves it knows the token with an HMAC-SHA256 over the handshake's *transcript* — the server's
app, its session's random id, the address the client dialled, both sides' fresh nonces and an optional channel
binding (TLS) — each under its own role label, and the other side checks it in constant time. A proof made
for one server, one address or one connection is therefore worth nothing anywhere else.

    token = new_token()
    facts = transcript(app="houdini", session="5f0c...", dialled="127.0.0.1:18811",
                       server_nonce=new_nonce(), client_nonce=new_nonce())
    p = proof(token, CLIENT, facts)
    assert verify(token, CLIENT, facts, p)
"""
import hashlib
import hmac
import math
import secrets
import string
import struct

from .errors import ConfigError

__all__ = ["CLIENT", "SERVER", "new_token", "new_session_id", "new_nonce", "transcript", "proof", "verify",
           "same_token", "fingerprint", "token_bits", "check_token", "NONCE_BYTES", "MIN_TOKEN_BITS", "HOW_TO_MAKE_A_TOKEN"]

NONCE_BYTES = 32
SESSION_ID_BYTES = 16
MIN_TOKEN_BITS = 128
CLIENT = b"dcc-bridge/3/client"
SERVER = b"dcc-bridge/3/server"
HOW_TO_MAKE_A_TOKEN = 'python3 -c "import secrets; print(secrets.token_hex(32))"'
_URLSAFE = set(string.ascii_letters + string.digits + "-_")


def new_token():
    """A fresh random session token (64 hex characters, 256 bits)."""
    return secrets.token_hex(32)


def new_session_id():
    """A fresh random id for one server's session (hex), written in its session file and sent in its hello."""
    return secrets.token_hex(SESSION_ID_BYTES)


def new_nonce():
    """A fresh random nonce for one handshake."""
    return secrets.token_bytes(NONCE_BYTES)


def transcript(*, app, session, dialled, server_nonce, client_nonce, binding=b""):
    """The facts both proofs cover, each length-prefixed so no two different sets of facts read the same."""
    parts = (app.encode("utf-8"), session.encode("utf-8"), dialled.encode("utf-8"), server_nonce, client_nonce,
             binding)
    return b"".join(struct.pack("!I", len(part)) + part for part in parts)


def proof(token, role, facts):
    """HMAC-SHA256 keyed by the token over the role label and the transcript (``transcript``)."""
    return hmac.new(token.encode("utf-8"), role + b"|" + facts, hashlib.sha256).digest()


def verify(token, role, facts, candidate):
    """True when ``candidate`` is the right proof; compared in constant time."""
    return hmac.compare_digest(proof(token, role, facts), candidate)


def same_token(token, other):
    """True when two tokens are the same; compared in constant time."""
    return hmac.compare_digest(token.encode("utf-8"), other.encode("utf-8"))


def fingerprint(token):
    """A short, one-way label for a token, safe to log or show ("which token was that?")."""
    return hashlib.sha256(b"dcc-bridge/fingerprint|" + token.encode("utf-8")).hexdigest()[:8]


def token_bits(token):
    """A generous estimate of the randomness a token can carry: its length times the bits of the smallest
    alphabet it is written in (hex 4, URL-safe base64 6, any other printable text 6.5); 0 for a token of
    fewer than 8 different characters (a repeated pattern, not a random string)."""
    if not token or len(set(token)) < 8:
        return 0.0
    if all(c in string.hexdigits for c in token):
        per_char = 4.0
    elif all(c in _URLSAFE for c in token):
        per_char = 6.0
    else:
        per_char = math.log2(95)
    return len(token) * per_char


def check_token(token, source="DCC_BRIDGE_TOKEN"):
    """Raise ``ConfigError`` (never showing the token) when ``token`` carries fewer than 128 bits."""
    if token_bits(token) < MIN_TOKEN_BITS:
        distinct = len(set(token or ""))
        shape = f"{len(token or '')} characters" + (f", only {distinct} different" if distinct < 8 else "")
        raise ConfigError(
            f"{source} is too weak to protect a bridge ({shape}): a token must carry at least {MIN_TOKEN_BITS} "
            f"bits of randomness, such as 32 or more random hex digits (anyone who can reach the port could "
            f"otherwise guess it). Make one with: {HOW_TO_MAKE_A_TOKEN}, or leave {source} unset for a random "
            f"token per session.")
    return token
