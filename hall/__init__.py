"""The hall's rules in plain Python: no Qt, no SQLAlchemy, no sockets.

Everything here is deterministic given its inputs (time is passed in or injected as a
:class:`hall.clock.Clock`), so the server, the simulator and the tests share one set of rules.
"""
