"""Every setting DCC Bridge reads from the environment, in one place, with its default.

| variable                  | meaning                                                        | default            |
|---------------------------|----------------------------------------------------------------|--------------------|
| ``DCC_BRIDGE_HOST``       | address a server listens on / a client connects to             | ``127.0.0.1``      |
| ``DCC_BRIDGE_PORT``       | TCP port                                                       | ``18811``          |
| ``DCC_BRIDGE_TOKEN``      | shared secret, when not found in a session file; at least 128 bits (``auth.check_token``) | a random one |
| ``DCC_BRIDGE_RUNTIME_DIR``| folder of the session files                                    | see ``default_runtime_dir`` |
| ``DCC_BRIDGE_AUTOSTART``  | ``1``/``0``: start the server when a host with a UI starts; ``headless``: hython too | unset (host decides) |
| ``DCC_BRIDGE_TIMEOUT``    | seconds a remote call may take before it times out             | ``30``             |
| ``DCC_BRIDGE_MAX_TRANSFER``| largest payload in bytes accepted in one message             | ``1073741824`` (1 GiB) |
| ``DCC_BRIDGE_LOCAL_SOCKET``| ``1``/``0``: clients of this machine use a Unix socket (not Windows) | ``1`` (on)   |
| ``DCC_BRIDGE_FUSED_CALLS``| ``1``/``0``: fused calls (``fusing``), ``1`` even on a Python whose bytecode was not tested | unset: on where tested (3.9-3.13) |
| ``DCC_BRIDGE_MAX_UNAUTHENTICATED`` | connections a server lets be in their handshake at once (``admission``) | ``64`` |
| ``DCC_BRIDGE_MAX_UNAUTHENTICATED_PER_ADDRESS`` | the same, from one peer address (IPv6: one /64) | ``16`` |
| ``DCC_BRIDGE_HANDSHAKE_BACKOFF`` | longest a failing address's handshake (and a wrong proof's reject) is held, in seconds (``0``: never held) | ``3`` |
| ``DCC_BRIDGE_TLS_CERT``   | a server's TLS certificate (PEM): serve TLS on the TCP port (``tls``) | unset (no TLS) |
| ``DCC_BRIDGE_TLS_KEY``    | that certificate's private key (PEM), unless it is in the certificate file | unset |
| ``DCC_BRIDGE_TLS_CA``     | a client's trusted CA (PEM): connect over TLS, checking the server's certificate | unset (no TLS) |
| ``DCC_BRIDGE_REGISTRY``   | ``HOST[:PORT]`` of a registry (``registry``): servers register there, lists show its sessions | unset |
| ``DCC_BRIDGE_KEEPALIVE``  | seconds of silence after which the peer counts as dead (``keepalive``); ``0``: never | ``15`` |

Nothing else in the package reads ``os.environ``. Tests pass their own mapping so the developer's
environment never leaks in:

    settings = load({"DCC_BRIDGE_PORT": "19000"})
    settings.port   # 19000
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from .auth import check_token
from .errors import ConfigError
from .paths import user_data_dir

__all__ = ["Settings", "load", "default_runtime_dir", "autostart_choice", "keepalive_window", "DEFAULT_PORT",
           "DEFAULT_HOST"]

PREFIX = "DCC_BRIDGE_"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 18811
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_TRANSFER = 1 << 30
# 13a (server hardening): caps on connections in their handshake, back-off of failed handshakes (admission)
DEFAULT_MAX_UNAUTHENTICATED = 64
DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS = 16
DEFAULT_HANDSHAKE_BACKOFF = 3.0
# 13d liveness: the keepalive window (seconds; 0 turns the peer check off)
DEFAULT_KEEPALIVE = 15.0
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: Optional[str] = field(default=None, repr=False)  # 13b: never in a repr
    runtime_dir: Optional[Path] = None
    autostart: Optional[bool] = None
    autostart_headless: bool = False  # DCC_BRIDGE_AUTOSTART=headless: also sessions without a UI (hython)
    timeout: float = DEFAULT_TIMEOUT
    max_transfer: int = DEFAULT_MAX_TRANSFER
    local_socket: bool = True
    fused_calls: Optional[bool] = None  # None: on where the bytecode was tested (fusing.enabled)
    keepalive: float = DEFAULT_KEEPALIVE  # 13d: 0.0 = off (keepalive.window)
    port_set: bool = False  # DCC_BRIDGE_PORT was given (the CLI then does not look for the one running session)
    # 13a (server hardening): admission
    max_unauthenticated: int = DEFAULT_MAX_UNAUTHENTICATED
    max_unauthenticated_per_address: int = DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS
    handshake_backoff: float = DEFAULT_HANDSHAKE_BACKOFF
    # 13c: TLS and the registry
    tls_cert: Optional[str] = None
    tls_key: Optional[str] = None
    tls_ca: Optional[str] = None
    registry: Optional[str] = None  # "HOST[:PORT]" (registry.parse_address reads it)


def default_runtime_dir(environ=None, platform=None):
    """Where session files live when ``DCC_BRIDGE_RUNTIME_DIR`` is unset (per user, like Jupyter's runtime dir):
    the ``runtime`` folder of ``paths.user_data_dir`` (Linux ``~/.local/share/dcc_bridge/runtime``)."""
    return user_data_dir(environ, platform) / "runtime"


def autostart_choice(remembered, where_remembered, environ=None, ui=True):
    """Whether a host should start its server at launch: ``(enabled, source)``.

    ``DCC_BRIDGE_AUTOSTART`` (from the environment, houdini.env or Maya.env) wins; then the user's remembered
    choice (``remembered``: True/False, or None if never chosen, kept by the host in ``where_remembered``);
    else off. A session without a UI (``ui=False``: hython and hbatch run the same start-up scripts, on every farm
    and PDG job) starts only when asked for explicitly with ``DCC_BRIDGE_AUTOSTART=headless``.
    """
    settings = load(environ)
    if not ui:
        return settings.autostart_headless, PREFIX + "AUTOSTART" if settings.autostart_headless else "no UI"
    if settings.autostart is not None:
        return settings.autostart, PREFIX + "AUTOSTART"
    if isinstance(remembered, bool):
        return remembered, where_remembered
    return False, "the default"


def _port(name, text):
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise ConfigError(f"{name}={text!r} is not a TCP port: use a whole number from 0 to 65535")
    return port


def _positive(name, text, kind):
    try:
        value = kind(text)
    except ValueError:
        value = -1
    if value <= 0:
        raise ConfigError(f"{name}={text!r} must be a positive number")
    return value


def _non_negative(name, text):
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 <= value < float("inf"):
        raise ConfigError(f"{name}={text!r} must be a number of seconds, 0 or more")
    return value
def keepalive_window(name, value):
    """A keepalive window in seconds from a setting or an argument: a number >= 0 (0: off); ``ConfigError``
    otherwise (13d)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ConfigError(f"{name}={value!r} must be a number of seconds (0 turns the keepalive off)")
    return seconds


def _flag(name, text):
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={text!r}: use 1 to turn it on or 0 to turn it off" +
                      (" (or headless: also without a UI)" if name.endswith("AUTOSTART") else ""))


def _path(text):
    return str(Path(text).expanduser()) if text else None


def _headless(text):
    return text.strip().lower() == "headless"


def load(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Read the ``DCC_BRIDGE_*`` variables (from ``os.environ`` unless a mapping is given)."""
    env = os.environ if environ is None else environ

    def get(key):
        value = env.get(PREFIX + key)
        return value if value not in (None, "") else None

    host, port, token = get("HOST"), get("PORT"), get("TOKEN")
    runtime, autostart = get("RUNTIME_DIR"), get("AUTOSTART")
    timeout, cap, local = get("TIMEOUT"), get("MAX_TRANSFER"), get("LOCAL_SOCKET")
    fused = get("FUSED_CALLS")
    # 13a (server hardening)
    pending, per_address, backoff = get("MAX_UNAUTHENTICATED"), get("MAX_UNAUTHENTICATED_PER_ADDRESS"), \
        get("HANDSHAKE_BACKOFF")
    keepalive = get("KEEPALIVE")
    return Settings(
        host=host or DEFAULT_HOST,
        port=_port(PREFIX + "PORT", port) if port else DEFAULT_PORT,
        token=check_token(token, PREFIX + "TOKEN") if token else None,  # 13b: at least 128 bits
        runtime_dir=Path(runtime).expanduser() if runtime else default_runtime_dir(env),
        autostart=(_headless(autostart) or _flag(PREFIX + "AUTOSTART", autostart)) if autostart else None,
        autostart_headless=bool(autostart) and _headless(autostart),
        timeout=_positive(PREFIX + "TIMEOUT", timeout, float) if timeout else DEFAULT_TIMEOUT,
        max_transfer=_positive(PREFIX + "MAX_TRANSFER", cap, int) if cap else DEFAULT_MAX_TRANSFER,
        local_socket=_flag(PREFIX + "LOCAL_SOCKET", local) if local else True,
        fused_calls=_flag(PREFIX + "FUSED_CALLS", fused) if fused else None,
        keepalive=keepalive_window(PREFIX + "KEEPALIVE", keepalive) if keepalive else DEFAULT_KEEPALIVE,
        port_set=bool(port),
        # 13a (server hardening)
        max_unauthenticated=(_positive(PREFIX + "MAX_UNAUTHENTICATED", pending, int) if pending
                             else DEFAULT_MAX_UNAUTHENTICATED),
        max_unauthenticated_per_address=(_positive(PREFIX + "MAX_UNAUTHENTICATED_PER_ADDRESS", per_address, int)
                                         if per_address else DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS),
        handshake_backoff=(_non_negative(PREFIX + "HANDSHAKE_BACKOFF", backoff) if backoff
                           else DEFAULT_HANDSHAKE_BACKOFF),
        # 13c: TLS and the registry
        tls_cert=_path(get("TLS_CERT")), tls_key=_path(get("TLS_KEY")), tls_ca=_path(get("TLS_CA")),
        registry=get("REGISTRY"),
    )
