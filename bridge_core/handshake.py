"""The bridge handshake: what crosses a new connection before any rpyc traffic.

The server speaks first. Nothing the client sends reaches rpyc (and so nothing runs) until the client has
proved it knows the session token; a client that says anything else, or too slowly, is disconnected. A plain
``rpyc.classic.connect`` therefore gets a closed socket, never a Python prompt.

Every handshake message is one frame (``wire``: ``HANDSHAKE_MAGIC``, ``HANDSHAKE_HEADER``,
``HANDSHAKE_MAX_BODY``): ``b"DCCB"``, the body's length (4 bytes, big-endian, at most 8192), and the body, a
UTF-8 JSON object with a ``"msg"`` key.

The three messages, in order:

| # | direction | ``msg``                  | other keys                                                   |
|---|-----------|--------------------------|--------------------------------------------------------------|
| 1 | S → C     | ``hello``                | ``protocol`` (``wire.VERSION``), ``bridge``, ``rpyc`` (versions), ``app``, ``nonce`` (hex, 32 bytes) |
| 2 | C → S     | ``auth``                 | ``protocol``, ``bridge``, ``rpyc``, ``nonce`` (hex), ``proof`` = hex HMAC-SHA256(token, ``dcc-bridge/client|`` server nonce ``|`` client nonce) |
| 3 | S → C     | ``welcome`` / ``reject`` | welcome: ``proof`` = HMAC(token, ``dcc-bridge/server|`` client nonce ``|`` server nonce); reject: ``reason`` (``token``, ``protocol``, ``malformed``) and ``detail`` |

With TLS (``tls``) the handshake runs inside it and both proofs are bound to the TLS channel: ``binding`` (the
SHA-256 of the server certificate's DER) is appended to the second nonce in each HMAC (b"" without TLS).

Both ends check the other's ``protocol`` (the bridge's own wire version, ``wire.VERSION``) before anything
else, so a mismatch is reported with both versions named instead of a broken message later. rpyc's version
is sent for the record only: the wire is the bridge's (``wire``), not rpyc's, so two ends with the same wire
version talk whatever rpyc each carries. The client checks the server's proof too, so it never serves
callbacks to a server that does not know the token. After ``welcome`` the same socket carries the bridge's
message frames (``transport``).

    info = server_handshake(sock, token, app="houdini", timeout=5)      # in the server, per client
    hello = client_handshake(sock, token, "127.0.0.1:18811", timeout=5)  # in the client
"""
import json
import socket
import struct
import time
from dataclasses import dataclass

from . import auth
from ._rpyc import RPYC_VERSION
from .errors import (AuthenticationError, BridgeError, ConnectTimeoutError, HandshakeError,
                     ProtocolMismatchError)
from .version import __version__
from .wire import HANDSHAKE_HEADER as _HEADER, HANDSHAKE_MAGIC as MAGIC, HANDSHAKE_MAX_BODY as MAX_BODY
from .wire import VERSION as PROTOCOL_VERSION

__all__ = ["server_handshake", "client_handshake", "Hello", "Rejected"]



class Rejected(Exception):
    """Raised in the server when a client fails the handshake (the caller drops the connection)."""


@dataclass(frozen=True)
class Hello:
    """What each side learns about the other."""

    protocol: int
    bridge: str
    rpyc: str
    app: str = ""


def _version_problem(peer_protocol, peer_bridge):
    """A sentence naming both versions when the peer cannot talk to us, else None."""
    if peer_protocol != PROTOCOL_VERSION:
        return (f"incompatible bridge protocol: this side is DCC Bridge {__version__} (protocol "
                f"{PROTOCOL_VERSION}), the other is DCC Bridge {peer_bridge} (protocol {peer_protocol}). "
                f"Install the same DCC Bridge version on both machines.")
    return None


# ----------------------------------------------------------------------------------------- framing


def _recv_exact(sock, count, deadline, what):
    data = bytearray()
    while len(data) < count:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout(what)
        sock.settimeout(remaining)
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError(what)
        data += chunk
    return bytes(data)


def _read_frame(sock, deadline, what):
    magic, length = _HEADER.unpack(_recv_exact(sock, _HEADER.size, deadline, what))
    if magic != MAGIC or length > MAX_BODY:
        raise ValueError(f"not a DCC Bridge frame (got {magic!r})")
    body = json.loads(_recv_exact(sock, length, deadline, what).decode("utf-8"))
    if not isinstance(body, dict) or not isinstance(body.get("msg"), str):
        raise ValueError("handshake frame without a 'msg'")
    return body


def _write_frame(sock, body, deadline):
    data = json.dumps(body, separators=(",", ":")).encode("utf-8")
    sock.settimeout(max(deadline - time.monotonic(), 0.001))
    sock.sendall(_HEADER.pack(MAGIC, len(data)) + data)


def _hex(body, key, size=None):
    value = body.get(key)
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise ValueError(f"bad {key!r} field") from None
    if size is not None and len(raw) != size:
        raise ValueError(f"bad {key!r} length")
    return raw


def _mine(app=""):
    return {"protocol": PROTOCOL_VERSION, "bridge": __version__, "rpyc": RPYC_VERSION, "app": app}


# ------------------------------------------------------------------------------------------ server


def server_handshake(sock, token, app="", timeout=5.0, binding: bytes = b""):
    """Run the server side on a freshly accepted socket; returns the client's ``Hello`` or raises ``Rejected``.

    Any socket error, timeout or malformed frame becomes ``Rejected``; the caller closes the socket. ``binding``:
    the TLS channel binding (``tls``), mixed into both proofs (b"" without TLS).
    """
    deadline = time.monotonic() + timeout
    server_nonce = auth.new_nonce()
    try:
        _write_frame(sock, dict(_mine(app), msg="hello", nonce=server_nonce.hex()), deadline)
        body = _read_frame(sock, deadline, "auth")
        if body["msg"] != "auth":
            raise ValueError(f"expected 'auth', got {body['msg']!r}")
        peer = Hello(body.get("protocol"), str(body.get("bridge")), str(body.get("rpyc")))
        problem = _version_problem(peer.protocol, peer.bridge)
        if problem:
            _write_frame(sock, {"msg": "reject", "reason": "protocol", "detail": problem}, deadline)
            raise Rejected(problem)
        client_nonce = _hex(body, "nonce", auth.NONCE_BYTES)
        if not auth.verify(token, auth.CLIENT, server_nonce, client_nonce + binding, _hex(body, "proof")):
            _write_frame(sock, {"msg": "reject", "reason": "token", "detail": "token rejected"}, deadline)
            raise Rejected("wrong token")
        _write_frame(sock, {"msg": "welcome",
                            "proof": auth.proof(token, auth.SERVER, client_nonce, server_nonce + binding).hex()}, deadline)
        return peer
    except Rejected:
        raise
    except (OSError, EOFError, ValueError, KeyError, struct.error) as exc:  # socket.timeout is an OSError
        raise Rejected(f"handshake failed: {type(exc).__name__}: {exc}") from None


# ------------------------------------------------------------------------------------------ client


def client_handshake(sock, token, address, timeout=5.0, no_token_help="", binding: bytes = b""):
    """Run the client side on a connected socket; returns the server's ``Hello``.

    Raises ``HandshakeError`` (not a bridge / hung up), ``ConnectTimeoutError``, ``ProtocolMismatchError`` or
    ``AuthenticationError`` (no token, token rejected, or a server that could not prove it knows the token).
    ``binding``: the TLS channel binding (``tls``), mixed into both proofs (b"" without TLS).
    """
    deadline = time.monotonic() + timeout
    try:
        hello = _read_frame(sock, deadline, "hello")
        if hello["msg"] != "hello":
            raise ValueError(f"expected 'hello', got {hello['msg']!r}")
        server = Hello(hello.get("protocol"), str(hello.get("bridge")), str(hello.get("rpyc")),
                       str(hello.get("app", "")))
        problem = _version_problem(server.protocol, server.bridge)
        if problem:
            raise ProtocolMismatchError(f"cannot talk to {address}: {problem}")
        if not token:
            raise AuthenticationError(f"no token for the {server.app or 'bridge'} server at {address}. {no_token_help}")
        server_nonce, client_nonce = _hex(hello, "nonce", auth.NONCE_BYTES), auth.new_nonce()
        _write_frame(sock, dict(_mine(), msg="auth", nonce=client_nonce.hex(),
                                proof=auth.proof(token, auth.CLIENT, server_nonce, client_nonce + binding).hex()), deadline)
        answer = _read_frame(sock, deadline, "welcome")
    except BridgeError:
        raise
    except socket.timeout:
        raise ConnectTimeoutError(
            f"{address} accepted the connection but did not complete the DCC Bridge handshake within "
            f"{timeout:g} s. Is it a DCC Bridge server (Houdini's own hrpyc server is not), and is the "
            f"application busy?") from None
    except (EOFError, ConnectionError) as exc:
        raise HandshakeError(f"{address} closed the connection during the handshake ({exc or 'no data'}). "
                             f"Is it a DCC Bridge server of the same version?") from None
    except ValueError as exc:
        raise HandshakeError(f"{address} does not speak the DCC Bridge handshake ({exc}). Is the port right? "
                             f"Houdini's own hrpyc server (port 18811 by default) is not a DCC Bridge server.") from None
    if answer["msg"] == "reject":
        if answer.get("reason") == "protocol":
            raise ProtocolMismatchError(f"{address} refused the connection: {answer.get('detail')}")
        raise AuthenticationError(
            f"the server at {address} rejected the token. Use the token from that server's session file "
            f"(found automatically on the same machine), pass token=..., or set DCC_BRIDGE_TOKEN.")
    if answer["msg"] != "welcome" or not auth.verify(token, auth.SERVER, client_nonce, server_nonce + binding,
                                                      _hex(answer, "proof")):
        raise AuthenticationError(f"the server at {address} could not prove it knows the token; not connecting.")
    return server
