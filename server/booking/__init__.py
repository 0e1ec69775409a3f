"""The citizens' booking pages (预约): plain server-rendered HTML under ``/b``, next to the phone
status page. :mod:`server.booking.pages` renders, :mod:`server.booking.routes` wires the
store, :mod:`server.booking.verification` sends the verification code."""
