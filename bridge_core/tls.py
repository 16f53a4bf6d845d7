"""TLS for the bridge's TCP connections (the standard library's ``ssl``), and the channel binding of the handshake.

A server given a certificate and its key (``start_server(tls_cert=..., tls_key=...)``, ``DCC_BRIDGE_TLS_CERT`` /
``DCC_BRIDGE_TLS_KEY``) speaks TLS (1.2 or newer) on its TCP port before anything else; a client given the CA that
signed it (``connect(tls_ca=...)``, ``DCC_BRIDGE_TLS_CA``) checks the certificate and the host name it dialled
against it. The token handshake (``handshake``) then runs inside TLS and is bound to that TLS channel: both proofs
cover ``binding``, the SHA-256 of the server certificate's DER bytes (RFC 5929's ``tls-server-end-point``, always
with SHA-256), which the server takes from its own certificate file and the client from the certificate it
received. A proof made through a TLS proxy holding another certificate is refused. The Unix local socket stays
plain: only the same user can open it (0600 in a 0700 folder).

Every failure is a ``BridgeError``: a certificate that cannot be loaded is a ``ConfigError``; an untrusted
certificate, a host-name mismatch, or a peer that does not speak TLS is a ``HandshakeError``; a peer that says
nothing is a ``ConnectTimeoutError`` within the connect timeout.

    context = server_context("server.pem", "server.key")          # the server, once
    sock = accept(sock, context, timeout=5)                        # per accepted connection
    sock, binding = wrap_client(sock, client_context("ca.pem"), "ws-042", "ws-042:18811", timeout=5)
"""
import hashlib
import re
import socket
import ssl
from pathlib import Path

from .errors import ConfigError, ConnectTimeoutError, HandshakeError

__all__ = ["server_context", "client_context", "server_binding", "accept", "wrap_client", "TLSRefused", "binding_of"]

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
_HOSTNAME_MISMATCH = {62, 64}  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH


class TLSRefused(Exception):
    """Raised in the server when a connection fails its TLS handshake (the caller drops it)."""


def binding_of(der):
    """The channel binding of a server certificate (DER bytes): its SHA-256, as RFC 5929 tls-server-end-point."""
    return hashlib.sha256(der).digest()


def _read(path, what, setting):
    try:
        return Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the TLS {what} {path} ({getattr(exc, 'strerror', None) or exc}); check "
                          f"the path given as {setting}") from None


def server_context(cert, key=None):
    """An ``ssl.SSLContext`` for a server with certificate chain ``cert`` and private key ``key`` (PEM files; the
    key may be in ``cert``). ``ConfigError`` saying what is wrong when they cannot be used."""
    _read(cert, "certificate", "tls_cert / --tls-cert / DCC_BRIDGE_TLS_CERT")
    if key:
        _read(key, "key", "tls_key / --tls-key / DCC_BRIDGE_TLS_KEY")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(str(cert), str(key) if key else None)
    except (ssl.SSLError, ValueError) as exc:
        raise ConfigError(f"cannot use the TLS certificate {cert}" + (f" with the key {key}" if key else "") +
                          f" ({getattr(exc, 'reason', None) or exc}): give a PEM certificate and the PEM private key "
                          f"that matches it (not encrypted)") from None
    return context


def server_binding(cert):
    """The channel binding of the server certificate in ``cert`` (the first certificate of the PEM file)."""
    found = _PEM.search(_read(cert, "certificate", "tls_cert / --tls-cert / DCC_BRIDGE_TLS_CERT"))
    if found is None:
        raise ConfigError(f"no PEM certificate in {cert}: give the server's certificate (-----BEGIN CERTIFICATE-----)")
    return binding_of(ssl.PEM_cert_to_DER_cert(found.group(0)))


def client_context(ca):
    """An ``ssl.SSLContext`` for a client that trusts the CA certificates in ``ca`` (a PEM file) and checks the
    server's host name."""
    _read(ca, "CA certificate", "tls_ca / --tls-ca / DCC_BRIDGE_TLS_CA")
    try:
        context = ssl.create_default_context(cafile=str(ca))
    except (ssl.SSLError, ValueError) as exc:
        raise ConfigError(f"cannot use {ca} as the TLS CA ({getattr(exc, 'reason', None) or exc}): give the PEM "
                          f"certificate of the CA that signed the server's certificate") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def accept(sock, context, timeout):
    """The server's TLS handshake on an accepted socket: the TLS socket; ``TLSRefused`` on failure (the socket is
    then closed). The server's binding is ``server_binding(cert)``, the same for every connection."""
    try:
        tls = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
    except OSError as exc:  # reset before TLS started (wrap_socket checks the peer: "Closed before TLS handshake")
        sock.close()
        raise TLSRefused(f"the connection was closed before TLS started ({getattr(exc, 'reason', None) or exc})") from None
    try:
        tls.settimeout(timeout)
        tls.do_handshake()
    except socket.timeout:
        tls.close()
        raise TLSRefused(f"no TLS handshake within {timeout:g} s (a client without TLS?)") from None
    except ssl.SSLError as exc:
        tls.close()
        raise TLSRefused(f"TLS handshake failed ({exc.reason or exc}; a client without TLS, or one that does not "
                         f"trust this server's certificate?)") from None
    except OSError as exc:
        tls.close()
        raise TLSRefused(f"TLS handshake failed: {exc}") from None
    return tls


def wrap_client(sock, context, host, address, timeout, ca=""):
    """The client's TLS handshake with the server at ``address`` dialled as ``host``: ``(tls socket, binding)``.

    Raises ``HandshakeError`` (untrusted certificate, host-name mismatch, not a TLS server) or
    ``ConnectTimeoutError``; the socket is closed then.
    """
    tls = context.wrap_socket(sock, server_hostname=host.strip("[]"), do_handshake_on_connect=False)
    try:
        tls.settimeout(timeout)
        tls.do_handshake()
        return tls, binding_of(tls.getpeercert(binary_form=True))
    except ssl.SSLCertVerificationError as exc:
        tls.close()
        if exc.verify_code in _HOSTNAME_MISMATCH:
            raise HandshakeError(f"the TLS certificate of {address} is not for {host!r} ({exc.verify_message.rstrip('.')}). "
                                 f"Connect with a name the certificate was issued for, or issue the server a "
                                 f"certificate for this name.") from None
        raise HandshakeError(f"the TLS certificate of {address} is not trusted ({exc.verify_message}): it is not "
                             f"signed by the CA in {ca or 'tls_ca'} (tls_ca= / --tls-ca / DCC_BRIDGE_TLS_CA). Use the "
                             f"CA that signed that server's certificate.") from None
    except socket.timeout:
        tls.close()
        raise ConnectTimeoutError(f"{address} did not complete the TLS handshake within {timeout:g} s. Is it a "
                                  f"DCC Bridge server with TLS, and is the application busy?") from None
    except ssl.SSLError as exc:
        tls.close()
        raise HandshakeError(f"{address} does not speak TLS ({exc.reason or exc}): it is probably a DCC Bridge "
                             f"server without TLS. Connect without tls_ca (unset DCC_BRIDGE_TLS_CA), or start that "
                             f"server with a certificate (tls_cert=, tls_key=).") from None
    except OSError as exc:
        tls.close()
        raise HandshakeError(f"{address} closed the connection during the TLS handshake ({exc}). A DCC Bridge "
                             f"server without TLS does that: connect without tls_ca, or start that server with a "
                             f"certificate (tls_cert=, tls_key=).") from None
