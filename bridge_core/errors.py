"""Every error DCC Bridge raises, in one tree rooted at ``BridgeError``.

Each class also subclasses the builtin a user already catches, so existing ``except ConnectionError:`` or
``except TimeoutError:`` code keeps working:

    BridgeError(Exception)
    ├── ConfigError(ValueError)                a DCC_BRIDGE_* variable or argument is malformed
    ├── BridgeConnectionError(ConnectionError) anything about reaching a server
    │   ├── ServerNotFoundError                refused, unreachable, nothing listening
    │   ├── ConnectTimeoutError(TimeoutError)  the server did not answer in time
    │   ├── HandshakeError                     the peer does not speak the bridge protocol
    │   ├── ProtocolMismatchError              the peer speaks another version of it
    │   ├── AuthenticationError                token missing or rejected
    │   ├── ConnectionLostError                the connection closed during or before a call
    │   └── NotConnectedError                  a bridge object used while disconnected
    ├── BridgeTimeoutError(TimeoutError)       a remote call ran past its timeout
    ├── PortInUseError(OSError)                start_server on a busy port
    ├── TransferTooLargeError(ValueError)      a payload over the configured cap
    ├── ShippingError(TypeError)               Bridge.call cannot ship a function or copy its result
    ├── GeometryError(ValueError)              a mesh is malformed, or a node is not one (geometry, pipeline)
    ├── TransferCancelled                      the user cancelled a pipeline transfer (nothing was kept)
    └── RemoteError                            mixed into every exception raised on the other side

    try:
        hou.node("/obj").createNode("nosuchtype")
    except hou.OperationFailed as exc:      # a local class mirroring the remote one (see remote_errors)
        print(exc.remote_traceback)
"""
import errno

__all__ = [
    "BridgeError", "ConfigError", "BridgeConnectionError", "ServerNotFoundError", "ConnectTimeoutError",
    "HandshakeError", "ProtocolMismatchError", "AuthenticationError", "ConnectionLostError",
    "NotConnectedError", "BridgeTimeoutError", "PortInUseError", "TransferTooLargeError", "ShippingError",
    "GeometryError", "TransferCancelled", "RemoteError",
]


class BridgeError(Exception):
    """Base of every error raised by DCC Bridge itself."""


class ConfigError(BridgeError, ValueError):
    """A setting (argument or ``DCC_BRIDGE_*`` variable) has a value that cannot be used."""


class BridgeConnectionError(BridgeError, ConnectionError):
    """Reaching or talking to a bridge server failed."""


class ServerNotFoundError(BridgeConnectionError):
    """Nothing accepted the connection at host:port."""


class ConnectTimeoutError(BridgeConnectionError, TimeoutError):
    """The server did not accept or answer the handshake in time."""


class HandshakeError(BridgeConnectionError):
    """The peer did not complete the bridge handshake (not a bridge server, or it hung up)."""


class ProtocolMismatchError(BridgeConnectionError):
    """Both ends are bridges, but of incompatible protocol versions."""


class AuthenticationError(BridgeConnectionError):
    """No token was found, or the server rejected the one given."""


class ConnectionLostError(BridgeConnectionError):
    """The connection closed while a call was waiting for its reply, or before it was sent."""


class NotConnectedError(BridgeConnectionError):
    """A bridge object (such as a stable ``hou``) was used while not connected."""


class BridgeTimeoutError(BridgeError, TimeoutError):
    """A remote call did not return within the bridge's timeout. The bridge stays usable."""


class PortInUseError(BridgeError, OSError):
    """The server could not listen because another program holds the port."""

    def __init__(self, message):
        super().__init__(errno.EADDRINUSE, message)

    def __str__(self):
        return self.strerror


class TransferTooLargeError(BridgeError, ValueError):
    """A payload is larger than the configured cap (``DCC_BRIDGE_MAX_TRANSFER``)."""


class ShippingError(BridgeError, TypeError):
    """``Bridge.call`` cannot ship the function, or cannot copy its result back."""


class GeometryError(BridgeError, ValueError):
    """A mesh is malformed (says exactly what is wrong), or a node to read is not a polygon mesh."""


class TransferCancelled(BridgeError):
    """The user cancelled a mesh transfer; what it had created was removed again."""


class RemoteError(BridgeError):
    """Mixed into every exception that was raised on the other side of a bridge.

    The local class mirrors the remote one (``except hou.OperationFailed:`` and ``except ValueError:`` both
    work); ``remote_traceback`` holds the other side's traceback text, and ``str()`` includes it. Methods the
    remote exception defines (``instanceMessage()`` on ``hou.Error``) are forwarded to it while connected.
    """

    remote_traceback = ""
    _remote_object = None

    def remote_arrived(self, traceback_text, remote_object=None):
        """Set by the bridge when the exception arrives: the remote traceback, and the remote exception object
        (a proxy) whose methods this one forwards while connected."""
        self.remote_traceback = traceback_text
        self._remote_object = remote_object

    def __str__(self):
        text = super().__str__()
        if self.remote_traceback:
            text += "\n\n--- remote traceback ---\n" + self.remote_traceback.rstrip()
        return text

    def __getattr__(self, name):
        remote = self.__dict__.get("_remote_object")
        if remote is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(remote, name)
