"""DCC Bridge: Houdini runs every pythonrc.py on its path at start-up, before the UI (GUI and hython)."""
import dcc_bridge_houdini.startup

dcc_bridge_houdini.startup.on_pythonrc()
