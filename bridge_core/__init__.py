"""DCC Bridge: drive Houdini from Maya (and Maya from Houdini) over a secure rpyc connection.

A drop-in replacement for Houdini's ``hrpyc``: change the import, keep the code.

    import bridge_core as hrpyc
    server = hrpyc.start_server()                        # inside Houdini
    connection, hou = hrpyc.import_remote_module()       # anywhere else on the machine

Modules: ``server`` and ``client`` (the two ends), ``handshake``/``auth`` (authentication), ``tls`` (TLS on the
TCP port), ``discovery`` (session files), ``registry`` (sessions across machines), ``executors`` (main-thread execution), ``protocol``/``transport``/``remote_errors`` (the rpyc
layer), ``wire`` (every number on the wire), ``_rpyc`` (every rpyc internal the bridge relies on), ``config``
(environment variables), ``errors`` (the exception tree), ``version``, ``cli`` (``python -m bridge_core``).
docs/core.md has the full table; docs/threading.md the threads and locks.
``async_``, ``timed``, ``BgServingThread`` and ``classic`` (``upload``, ``download``, ``obtain``, ``deliver`` ...)
are rpyc's own helpers from the rpyc the bridge uses (a shipped package's private copy, not the host's rpyc).
"""
from ._rpyc import BgServingThread, async_, classic, timed  # the rpyc the bridge uses: see README
from .client import Bridge, connect, import_remote_module
from .errors import *  # noqa: F401,F403
from .errors import __all__ as _error_names
from .executors import MainThreadExecutor, direct
from .server import BridgeServer, start_server
from .version import __version__

__all__ = ["__version__", "start_server", "import_remote_module", "connect", "Bridge", "BridgeServer",
           "MainThreadExecutor", "direct", "async_", "timed", "BgServingThread", "classic"] + list(_error_names)
