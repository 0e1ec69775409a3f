"""Shared Qt parts of the hallq programs: the server connection, the event stream, background
work, theme and fonts, and bilingual text. Programs import from here, never from each other.

Importing ``ui`` applies the PySide6 6.12.0 reference-count stopgap (see ``ui.pyside_guard``)
once per process, so no program can forget it.
"""

from ui.pyside_guard import hold_singletons

hold_singletons()
