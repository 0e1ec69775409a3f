"""The month-long soak of the whole hall on an accelerated clock (issue 19 point 6)."""
