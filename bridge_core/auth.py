"""Tokens, nonces and proofs: the pure cryptography of the handshake (no sockets here).

A token is 32 random bytes written as hex. It never crosses the wire: each side proves it knows the token by
sending an HMAC-SHA256 over both sides' fresh nonces, and the other side checks it in constant time.

    token = new_token()
    server_nonce, client_nonce = new_nonce(), new_nonce()
    p = proof(token, CLIENT, server_nonce, client_nonce)
    assert verify(token, CLIENT, server_nonce, client_nonce, p)
"""
import hashlib
import hmac
import secrets

__all__ = ["CLIENT", "SERVER", "new_token", "new_nonce", "proof", "verify", "fingerprint", "NONCE_BYTES"]

NONCE_BYTES = 32
CLIENT = b"dcc-bridge/client"
SERVER = b"dcc-bridge/server"


def new_token():
    """A fresh random session token (64 hex characters)."""
    return secrets.token_hex(32)


def new_nonce():
    """A fresh random nonce for one handshake."""
    return secrets.token_bytes(NONCE_BYTES)


def proof(token, role, first_nonce, second_nonce):
    """HMAC-SHA256 keyed by the token over the role label and both nonces, in the order given."""
    return hmac.new(token.encode("utf-8"), role + b"|" + first_nonce + b"|" + second_nonce, hashlib.sha256).digest()


def verify(token, role, first_nonce, second_nonce, candidate):
    """True when ``candidate`` is the right proof; compared in constant time."""
    return hmac.compare_digest(proof(token, role, first_nonce, second_nonce), candidate)


def fingerprint(token):
    """A short, one-way label for a token, safe to log or show ("which token was that?")."""
    return hashlib.sha256(b"dcc-bridge/fingerprint|" + token.encode("utf-8")).hexdigest()[:8]
