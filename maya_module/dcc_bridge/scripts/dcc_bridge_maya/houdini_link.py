"""Maya driving Houdini: the one link to Houdini, and ``hou`` in the Script Editor.

``hou`` (bound in ``__main__``) is a ``bridge_core.link.RemoteModule``: one stable object that forwards to
whatever Houdini the link is connected to, reconnects by itself after Houdini restarts, and raises
``NotConnectedError`` saying how to connect while there is none. Callbacks from Houdini run on Maya's main
thread.

    houdini_link.connect(session)      # then, in the Script Editor: hou.node("/obj").createNode("geo")
"""
import __main__

from bridge_core.link import link_to

from . import executor

HOW_TO_CONNECT = ("In Maya: Houdini Bridge > Connect to Houdini... (start the server in Houdini first: "
                  "DCC Bridge shelf > Start Bridge Server).")


def link():
    """The one Link to Houdini of this Maya session."""
    return link_to("houdini", HOW_TO_CONNECT, executor.for_this_session())


def bind_hou():
    """Put the stable ``hou`` into ``__main__`` (the Script Editor's namespace), unless a user's own is there."""
    current = getattr(__main__, "hou", None)
    stable = link().module("hou")
    if current is None or type(current) is type(stable):
        __main__.hou = stable
    return __main__.hou


def sessions():
    """Live Houdini sessions on this machine, newest first."""
    return link().sessions()


def registry_sessions(exclude=()):
    """Houdini sessions the registry (DCC_BRIDGE_REGISTRY) knows of on other machines: ``(sessions, problem)``."""
    return link().registry_sessions(exclude)


def connect(host, port, token=None):
    """Connect (token from the session file on this machine unless given) and bind ``hou``."""
    bridge = link().connect(host, port, token=token or None)
    bind_hou()
    return bridge


def parse_address(text):
    """``"host:port"`` (or just a port) -> ``(host, port)``; ValueError with a clear message otherwise."""
    host, _, port = text.strip().rpartition(":")
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not 0 < number < 65536:
        raise ValueError(f"{text.strip()!r} is not an address: type host:port, for example ws-042:18811")
    return host or "127.0.0.1", number
