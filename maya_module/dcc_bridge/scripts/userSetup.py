"""DCC Bridge start-up. Maya runs every userSetup.py on sys.path, in __main__, in GUI and batch sessions.

This one only hands over to dcc_bridge_maya.startup (which defers its work and is safe to run twice) and
leaves no names behind in __main__; it neither needs nor touches any other module's userSetup.py.
"""
import dcc_bridge_maya.startup as _dcc_bridge_startup

_dcc_bridge_startup.run()
del _dcc_bridge_startup
