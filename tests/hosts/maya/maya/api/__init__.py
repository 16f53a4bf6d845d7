"""maya.api: Maya's Python API 2.0 (the stand-in models ``maya.api.OpenMaya`` only)."""
