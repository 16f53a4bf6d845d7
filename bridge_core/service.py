"""The rpyc services each end of a bridge exposes.

* ``BridgeService`` (the serving end, inside Houdini or Maya): rpyc's classic service, so ``modules``,
  ``eval``, ``execute`` and ``namespace`` work as with hrpyc (in a shipped package ``rpyc.*`` modules are the
  bridge's private copy), ``bridge_call`` runs ``Bridge.call``'s shipped functions, and ``pipeline`` runs the
  verbs the host's glue registered (``bridge_core.pipeline``). Only clients that passed the handshake reach it.
* ``ClientService`` (the connecting end): exposes nothing at its root; objects the client passes (callbacks)
  are fully usable by the server, which proved it knows the token.

``connect`` makes a service's ``BridgeConnection`` over a channel (what rpyc's one-line ``Service._connect``
did, owned here: see ``_rpyc``), with the service's own configuration added.

    conn = connect(BridgeService, channel, {"sync_request_timeout": 30})
"""
from . import pipeline, shipping
from ._rpyc import ROOT, VENDORED, Service, SlaveService
from .protocol import BridgeConnection

__all__ = ["BridgeService", "ClientService", "connect"]


class BridgeService(SlaveService):
    """Classic full-access service, served only after the handshake, plus ``Bridge.call``'s entry point."""

    __slots__ = ()
    CONFIG = {}

    def getmodule(self, name):
        """Import a module for the client. In a shipped package, ``rpyc`` and ``rpyc.*`` mean the bridge's own
        copy: rpyc's helpers (``teleport``, ``classic.deliver``) ask the server for rpyc modules by name, and
        must get the version the client's helpers speak, not the host's (Houdini's rpyc 4.1.0)."""
        if type(name) is tuple:
            name = ".".join(name)
        if VENDORED and (name == "rpyc" or name.startswith("rpyc.")):
            name = ROOT + name[len("rpyc"):]
        return super().getmodule(name)

    def bridge_call(self, source, name, imports, constants, args, kwargs):
        """Run a shipped function (``shipping``); its arguments and result are copied by value."""
        return shipping.run_shipment(source, name, imports, constants, args, kwargs)

    def pipeline(self, verb, args, kwargs):
        """Run a registered pipeline verb (``pipeline``); its arguments and result are copied by value."""
        return pipeline.serve(verb, args, kwargs)


class ClientService(Service):
    """The client's side: nothing at the root, but callbacks passed to the server work."""

    __slots__ = ()
    CONFIG = dict(allow_all_attrs=True, allow_getattr=True, allow_setattr=True, allow_delattr=True)


def connect(service, channel, config):
    """A ``BridgeConnection`` serving a new ``service()`` over ``channel``; ``config`` over ``service.CONFIG``.
    The service's ``on_connect`` runs last (the classic service sets its access rules there), as in rpyc."""
    root = service()
    conn = BridgeConnection(root, channel, dict(service.CONFIG, **config))
    root.on_connect(conn)
    return conn
