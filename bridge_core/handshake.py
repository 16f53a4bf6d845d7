"""The bridge handshake: what crosses a new connection before any rpyc traffic.

The server speaks first. Nothing the client sends reaches rpyc (and so nothing runs) until the client has
proved it knows the session token; a client that says anything else, or too slowly, is disconnected. A plain
``rpyc.classic.connect`` therefore gets a closed socket, never a Python prompt.

Every handshake message is one frame (``wire``: ``HANDSHAKE_MAGIC``, ``HANDSHAKE_HEADER``,
``HANDSHAKE_MAX_BODY``): ``b"DCCB"``, the body's length (4 bytes, big-endian, at most 8192), and the body, a
UTF-8 JSON object with a ``"msg"`` key.

Both proofs are HMAC-SHA256 keyed by the token over a role label and the *transcript* (``auth.transcript``):
the server's ``app``, its ``session`` id, the address the client ``dialled``, the server's nonce, the client's
nonce and the channel ``binding`` (empty over plain TCP; the TLS certificate's SHA-256 under TLS). The five
messages, in order:

| # | direction | ``msg``                  | other keys                                                   |
|---|-----------|--------------------------|--------------------------------------------------------------|
| 1 | S → C     | ``hello`` / ``reject``   | ``protocol`` (``wire.VERSION``), ``bridge``, ``rpyc`` (versions), ``app``, ``session`` (hex, 16 bytes: the session file's random id), ``nonce`` (hex, 32 bytes); reject: ``reason`` ``busy`` and ``detail`` (past the server's caps: ``refuse_busy``, then the connection is closed) |
| 2 | C → S     | ``challenge``            | ``protocol``, ``bridge``, ``rpyc``, ``nonce`` (hex, 32 bytes), ``dialled`` (the address the client's socket reached: ``host:port``, ``[v6]:port`` or the Unix socket's path) |
| 3 | S → C     | ``proof`` / ``reject``   | proof: ``proof`` = hex HMAC(token, ``dcc-bridge/3/server|`` transcript); reject: ``reason`` (``protocol``, ``address``) and ``detail`` (a malformed message: the connection is closed) |
| 4 | C → S     | ``auth``                 | ``proof`` = hex HMAC(token, ``dcc-bridge/3/client|`` transcript) |
| 5 | S → C     | ``welcome`` / ``reject`` | reject: ``reason`` ``token`` and ``detail``                   |

With TLS (``tls``) the handshake runs inside it and both proofs are bound to the TLS channel: ``binding`` (the
SHA-256 of the server certificate's DER) is part of the transcript both HMACs cover (b"" without TLS).

Both ends check the other's ``protocol`` (the bridge's own wire version, ``wire.VERSION``) before anything
else, so a mismatch is reported with both versions named instead of a broken message later. rpyc's version
is sent for the record only: the wire is the bridge's (``wire``), not rpyc's, so two ends with the same wire
version talk whatever rpyc each carries.

Why this order and these facts: the server refuses a ``dialled`` address that is not the one the connection
arrived on, and proves itself (message 3) before the client reveals anything made with the token; the client
checks that proof, and the session id its session file names, before it sends its own. So a program that
relays a client to another server with the same token (a shared ``DCC_BRIDGE_TOKEN``, or another address of
the same machine such as ``::1``) gets a refusal and no proof it could use anywhere; and the client never
serves callbacks to a server that does not know the token. After ``welcome`` the same socket carries the
bridge's message frames (``transport``). Every malformed, hostile or cut-short answer gives the client a
``HandshakeError`` naming the peer, and the server a ``Rejected``.

    info = server_handshake(sock, token, app="houdini", timeout=5, session=session_id)   # in the server
    hello = client_handshake(sock, token, "127.0.0.1:18811", timeout=5)                   # in the client
"""
import ipaddress
import json
import os
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

__all__ = ["server_handshake", "client_handshake", "refuse_busy", "endpoint", "host_port", "Hello",
           "Rejected"]

PROOF_BYTES = 32  # SHA-256
_DETAIL_MAX = 300  # a peer's "detail" text shown in an error, at most


class Rejected(Exception):
    """Raised in the server when a client fails the handshake (the caller drops the connection)."""


@dataclass(frozen=True)
class Hello:
    """What each side learns about the other."""

    protocol: int
    bridge: str
    rpyc: str
    app: str = ""
    session: str = ""


def _version_problem(peer_protocol, peer_bridge):
    """A sentence naming both versions when the peer cannot talk to us, else None."""
    if peer_protocol != PROTOCOL_VERSION:
        return (f"incompatible bridge protocol: this side is DCC Bridge {__version__} (protocol "
                f"{PROTOCOL_VERSION}), the other is DCC Bridge {peer_bridge} (protocol {peer_protocol}). "
                f"Install the same DCC Bridge version on both machines.")
    return None


def endpoint(sock, local):
    """The canonical name of a connected socket's own (``local``) or peer address: ``host:port``,
    ``[v6]:port`` (an IPv4-mapped IPv6 address as IPv4), or a Unix socket's path. A client's peer address and
    its server's own address are the same name unless something relays the connection between them."""
    address = sock.getsockname() if local else sock.getpeername()
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return os.fsdecode(address) if isinstance(address, (str, bytes)) else str(address)
    host, port = address[:2]
    try:
        ip = ipaddress.ip_address(host)
        host = str(ip.ipv4_mapped) if ip.version == 6 and ip.ipv4_mapped else str(ip)
    except ValueError:  # a scoped IPv6 address ("fe80::1%eth0"): kept as the socket gave it
        pass
    return host_port(host, port)


def host_port(host, port):
    """``host:port``, an IPv6 address in brackets (``[::1]:18811``): how every address is written."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


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
            raise EOFError(f"the connection closed before the {what!r} message was complete")
        data += chunk
    return bytes(data)


def _read_frame(sock, deadline, what):
    magic, length = _HEADER.unpack(_recv_exact(sock, _HEADER.size, deadline, what))
    if magic != MAGIC:
        raise ValueError(f"not a DCC Bridge frame (got {magic!r})")
    if length > MAX_BODY:
        raise ValueError(f"a handshake message of {length} bytes (at most {MAX_BODY})")
    body = json.loads(_recv_exact(sock, length, deadline, what).decode("utf-8"))  # RecursionError when deep
    if not isinstance(body, dict) or not isinstance(body.get("msg"), str):
        raise ValueError("handshake frame without a 'msg'")
    return body


def _write_frame(sock, body, deadline):
    data = json.dumps(body, separators=(",", ":")).encode("utf-8")
    sock.settimeout(max(deadline - time.monotonic(), 0.001))
    sock.sendall(_HEADER.pack(MAGIC, len(data)) + data)


def _expect(body, *names):
    if body["msg"] not in names:
        raise ValueError(f"expected {' or '.join(map(repr, names))}, got {body['msg'][:40]!r}")


def _hex(body, key, size=None):
    value = body.get(key)
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise ValueError(f"bad {key!r} field") from None
    if size is not None and len(raw) != size:
        raise ValueError(f"bad {key!r} length")
    return raw


def _text(body, key):
    value = body.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"bad {key!r} field")
    return value


def _mine():
    return {"protocol": PROTOCOL_VERSION, "bridge": __version__, "rpyc": RPYC_VERSION}


def _peer_hello(body):
    return Hello(body.get("protocol"), str(body.get("bridge"))[:40], str(body.get("rpyc"))[:40],
                 _text(body, "app")[:40], _text(body, "session"))


# Everything a hostile or broken peer can make the parsing raise (socket.timeout and ssl errors are OSErrors).
_BROKEN = (OSError, EOFError, ValueError, TypeError, KeyError, RecursionError, struct.error)

# ------------------------------------------------------------------------------------------ server


def server_handshake(sock, token, app="", timeout=5.0, hold_reject=None, *, session="", binding=b"",
                     hold_proof=None):
    """Run the server side on a freshly accepted socket; returns the client's ``Hello`` or raises ``Rejected``.

    ``session``: this server's session id (hex, as in its session file; a random one for this connection when
    not given). ``binding``: bytes both ends mix into the proofs (TLS: the SHA-256 of the server certificate).
    Any socket error, timeout or malformed frame becomes ``Rejected``; the caller closes the socket.
    ``hold_reject``: called just before a wrong token's reject is sent; ``hold_proof``: just before this server
    proves itself (the server's per-address back-off waits in both).
    """
    deadline = time.monotonic() + timeout
    server_nonce, session = auth.new_nonce(), session or auth.new_session_id()
    try:
        _write_frame(sock, dict(_mine(), msg="hello", app=app, session=session, nonce=server_nonce.hex()), deadline)
        body = _read_frame(sock, deadline, "challenge")
        peer = _peer_hello(body)
        problem = _version_problem(peer.protocol, peer.bridge)
        if problem:
            _write_frame(sock, {"msg": "reject", "reason": "protocol", "detail": problem}, deadline)
            raise Rejected(problem)
        _expect(body, "challenge")
        client_nonce = _hex(body, "nonce", auth.NONCE_BYTES)
        dialled, here = _text(body, "dialled"), endpoint(sock, local=True)
        if dialled != here:
            detail = (f"this server is at {here}, but the client reached {dialled[:100]}: something between them "
                      f"relays the connection (a proxy, a port forward to another port, or a program listening "
                      f"on the address the client meant)")
            _write_frame(sock, {"msg": "reject", "reason": "address", "detail": detail}, deadline)
            raise Rejected(f"relayed: {detail}")
        facts = auth.transcript(app=app, session=session, dialled=dialled, server_nonce=server_nonce,
                                client_nonce=client_nonce, binding=binding)
        if hold_proof is not None:
            hold_proof()
        _write_frame(sock, {"msg": "proof", "proof": auth.proof(token, auth.SERVER, facts).hex()}, deadline)
        try:
            body = _read_frame(sock, deadline, "auth")
        except EOFError:
            raise Rejected("the client hung up on this server's proof: its token is not this server's") from None
        _expect(body, "auth")
        if not auth.verify(token, auth.CLIENT, facts, _hex(body, "proof", PROOF_BYTES)):
            if hold_reject is not None:
                hold_reject()
            _write_frame(sock, {"msg": "reject", "reason": "token", "detail": "token rejected"}, deadline)
            raise Rejected("wrong token")
        _write_frame(sock, {"msg": "welcome"}, deadline)
        return peer
    except Rejected:
        raise
    except _BROKEN as exc:
        raise Rejected(f"handshake failed: {type(exc).__name__}: {str(exc)[:200]}") from None


def refuse_busy(sock, detail):
    """Tell a connection the server will not take now why, in place of its ``hello`` (a ``reject`` with reason
    ``busy``), without waiting: one small send on a fresh socket, or nothing if even that fails. The caller
    closes the socket."""
    data = json.dumps({"msg": "reject", "reason": "busy", "detail": detail[:_DETAIL_MAX]}).encode("utf-8")
    try:
        sock.setblocking(False)
        sock.send(_HEADER.pack(MAGIC, len(data)) + data)
    except OSError:
        pass


# ------------------------------------------------------------------------------------------ client


def _refused(answer, address):
    """The error for a ``reject`` message."""
    reason, detail = answer.get("reason"), str(answer.get("detail", ""))[:_DETAIL_MAX]
    if reason == "protocol":
        return ProtocolMismatchError(f"{address} refused the connection: {detail}")
    if reason == "address":
        return HandshakeError(
            f"the DCC Bridge server reached through {address} is not at {address} ({detail}). Refused: nothing "
            f"was sent with the token. Connect to the server's own address and port; through an SSH tunnel, "
            f"forward the same port number on 127.0.0.1 (ssh -L PORT:127.0.0.1:PORT host).")
    if reason == "busy":
        return HandshakeError(
            f"{address} is a DCC Bridge server too busy to take the connection now ({detail}): many connections "
            f"are in their handshake at once (a flood of the port, or many clients starting together). Try again in "
            f"a few seconds. On the server's machine, connect without token= so that the client finds the server's "
            f"session file and uses its local socket, which a flood of the TCP port does not reach.")
    if reason == "token":
        return AuthenticationError(
            f"the server at {address} rejected the token. Use the token from that server's session file "
            f"(found automatically on the same machine), pass token=..., or set DCC_BRIDGE_TOKEN.")
    return HandshakeError(f"{address} refused the DCC Bridge handshake ({str(reason)[:40]}: {detail}).")


def client_handshake(sock, token, address, timeout=5.0, no_token_help="", *, binding=b"", expect_session=""):
    """Run the client side on a connected socket; returns the server's ``Hello``.

    ``address``: how the peer is named in errors. ``binding``: as for ``server_handshake``.
    ``expect_session``: the session id the session file names ("" when the token did not come from one); a
    server with another id is refused before the token is used. Raises ``HandshakeError`` (not a bridge,
    hung up, malformed or hostile answers, a relay), ``ConnectTimeoutError``, ``ProtocolMismatchError`` or
    ``AuthenticationError`` (no token, token rejected, or a server that could not prove it knows the token).
    ``binding``: the TLS channel binding (``tls``), mixed into both proofs (b"" without TLS).
    """
    deadline = time.monotonic() + timeout
    try:
        hello = _read_frame(sock, deadline, "hello")
        if hello["msg"] == "reject":  # busy: past the server's caps (refuse_busy)
            raise _refused(hello, address)
        _expect(hello, "hello")
        server = _peer_hello(hello)
        problem = _version_problem(server.protocol, server.bridge)
        if problem:
            raise ProtocolMismatchError(f"cannot talk to {address}: {problem}")
        name = f"the {server.app or 'bridge'} server at {address}"
        if not token:
            raise AuthenticationError(f"no token for {name}. {no_token_help}")
        server_nonce = _hex(hello, "nonce", auth.NONCE_BYTES)
        _hex(hello, "session", auth.SESSION_ID_BYTES)
        if expect_session and server.session != expect_session:
            raise AuthenticationError(
                f"{name} is not the session its session file names (another server took the port, or it "
                f"restarted); the token was not used. Try again, or check 'python -m bridge_core list'.")
        client_nonce, dialled = auth.new_nonce(), endpoint(sock, local=False)
        _write_frame(sock, dict(_mine(), msg="challenge", nonce=client_nonce.hex(), dialled=dialled), deadline)
        answer = _read_frame(sock, deadline, "proof")
        if answer["msg"] == "reject":
            raise _refused(answer, address)
        _expect(answer, "proof")
        facts = auth.transcript(app=server.app, session=server.session, dialled=dialled,
                                server_nonce=server_nonce, client_nonce=client_nonce, binding=binding)
        if not auth.verify(token, auth.SERVER, facts, _hex(answer, "proof", PROOF_BYTES)):
            raise AuthenticationError(
                f"{name} could not prove it knows this token, so the token was not used: either the token is "
                f"wrong (use the one from that server's session file, pass token=..., or set DCC_BRIDGE_TOKEN) or "
                f"this is not the server you meant to reach.")
        _write_frame(sock, {"msg": "auth", "proof": auth.proof(token, auth.CLIENT, facts).hex()}, deadline)
        answer = _read_frame(sock, deadline, "welcome")
        if answer["msg"] == "reject":
            raise _refused(answer, address)
        _expect(answer, "welcome")
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
    except _BROKEN as exc:
        what = "nests its answer too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise HandshakeError(f"{address} does not speak the DCC Bridge handshake ({type(exc).__name__}: {what}). "
                             f"Is the port right? Houdini's own hrpyc server (port 18811 by default) is not a DCC "
                             f"Bridge server.") from None
    return server
