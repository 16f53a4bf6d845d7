"""The rpyc services each end of a bridge exposes.

* ``BridgeService`` (the serving end, inside Houdini or Maya): rpyc's classic service, so ``modules``,
  ``eval``, ``execute`` and ``namespace`` work as with hrpyc, and ``bridge_call`` runs ``Bridge.call``'s
  shipped functions; ``pipeline`` runs the verbs the host's glue registered (``bridge_core.pipeline``). Only
  clients that passed the handshake reach it.
* ``ClientService`` (the connecting end): exposes nothing at its root; objects the client passes (callbacks)
  are fully usable by the server, which proved it knows the token.

Both use ``BridgeConnection`` as their protocol.

    conn = BridgeService._connect(channel, config)
"""
from . import pipeline, shipping
from ._rpyc import Service, SlaveService
from .protocol import BridgeConnection

__all__ = ["BridgeService", "ClientService"]

_PASSED_OBJECTS_USABLE = dict(allow_all_attrs=True, allow_getattr=True, allow_setattr=True, allow_delattr=True)


class BridgeService(SlaveService):
    """Classic full-access service, served only after the handshake, plus ``Bridge.call``'s entry point."""

    __slots__ = ()
    _protocol = BridgeConnection

    def bridge_call(self, source, name, imports, constants, args, kwargs):
        """Run a shipped function (``shipping``); its arguments and result are copied by value."""
        return shipping.run_shipment(source, name, imports, constants, args, kwargs)

    def pipeline(self, verb, args, kwargs):
        """Run a registered pipeline verb (``pipeline``); its arguments and result are copied by value."""
        return pipeline.serve(verb, args, kwargs)


class ClientService(Service):
    """The client's side: nothing at the root, but callbacks passed to the server work."""

    __slots__ = ()
    _protocol = BridgeConnection

    def on_connect(self, conn):
        conn._config.update(_PASSED_OBJECTS_USABLE)
