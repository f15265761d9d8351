"""Takt: a just-in-time procurement engine.

Layers (import direction top to bottom): ``cli`` -> ``services`` / ``ingest`` ->
engines -> ``store`` -> ``domain``. See ``docs/`` and the shared ARCHITECTURE notes.
"""

__version__ = "0.1.0"
