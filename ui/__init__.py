"""Shared Qt parts of the hallq programs: the server connection, the event stream, background
work, theme and fonts, and bilingual text. Programs import from here, never from each other."""
