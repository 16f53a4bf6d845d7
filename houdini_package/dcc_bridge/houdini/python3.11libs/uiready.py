"""DCC Bridge: Houdini runs every uiready.py on its path once its UI is ready (graphical sessions only)."""
import dcc_bridge_houdini.startup

dcc_bridge_houdini.startup.on_uiready()
