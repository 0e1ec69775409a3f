"""The serial tests' socat pty pair, shared."""

from tests.hardware.serial.conftest import socat_pair  # noqa: F401
