# hallq — two commands do all the set-up on a fresh Debian/Ubuntu machine:
#   make demo   installs what is missing, then runs the whole hall with simulated devices
#   make test   installs what is missing, then runs every test (PostgreSQL ones included)

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages: CJK font (Chinese renders as boxes without it), Qt's xcb/EGL libraries,
# a virtual screen, espeak-ng for the voice, socat for serial pty pairs, PostgreSQL for the
# database tests, zbar to decode QR codes from rendered tickets, poppler for PDF reports.
APT_PACKAGES := fonts-wqy-microhei libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxkbcommon-x11-0 libegl1 libgl1 \
  libfontconfig1 libdbus-1-3 libpulse0 xvfb xauth espeak-ng sox socat libusb-1.0-0 libzbar0 \
  poppler-utils postgresql python3-venv chromium

.PHONY: demo test deps lint bench simulate soak clean deb deb-check

.stamp-apt: Makefile
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "安装系统软件包 / installing system packages: $$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@touch $@

$(VENV)/.stamp: pyproject.toml .stamp-apt
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,postgres,usb]"
	@touch $@

deps: $(VENV)/.stamp

demo: deps
	@if [ -n "$$DISPLAY" ] || [ -n "$$WAYLAND_DISPLAY" ]; then \
	  $(PY) -m hallq demo; \
	else \
	  echo "没有显示器：在虚拟屏幕上运行 30 秒并把截图保存到 docs/demo/ / no display: running 30 s on a virtual screen, screenshots in docs/demo/"; \
	  xvfb-run -a -s "-screen 0 1920x1080x24" $(PY) -m hallq demo --seconds 30 --screenshots docs/demo; \
	fi

# Most tests wait on servers, sockets and timers rather than the CPU, so they run on pytest-xdist
# workers; then the modules in tests/serial_modules.py run alone (collecting only them). Both
# passes always run; either failing fails. Each prints its slowest tests, to see where CI time goes.
TEST_WORKERS ?= 4
PYTEST := QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -q -p no:cacheprovider --durations=15
SERIAL_MODULES = $(shell $(PYTHON) -c 'import sys; sys.path.insert(0, "tests"); from serial_modules import SERIAL_MODULES; print(*SERIAL_MODULES)')

test: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	@rc=0; \
	echo "$(PYTEST) -n $(TEST_WORKERS) -m 'not serial'"; $(PYTEST) -n $(TEST_WORKERS) -m "not serial" || rc=1; \
	echo "$(PYTEST) -m serial $(SERIAL_MODULES)"; $(PYTEST) -m serial $(SERIAL_MODULES) || rc=1; \
	exit $$rc

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: deps
	$(PY) -m hallq bench server --quick

# A month of hall days in about half an hour: the server and every program as processes on an
# accelerated clock; prints the day table and verdicts, draws docs/soak-rss.png, fails on growth.
soak: deps
	QT_QPA_PLATFORM=offscreen $(PY) -m hallq bench soak --plot docs/soak-rss.png

simulate: deps
	$(PY) -m hallq simulate --days 30

# Debian packages hallq-server and hallq-terminal in build/deb/ (packaging/build_deb.py)
DEB_ARCH ?= $(shell dpkg --print-architecture)
DEB_REVISION ?= 1
HALLQ_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)

deb: deps
	$(PY) packaging/build_deb.py --arch $(DEB_ARCH) --revision $(DEB_REVISION)

# Versions N and N+1 installed, started by systemd, upgraded, removed and purged in a clean Debian
# bookworm container (packaging/deb_check.sh). Needs root and the network: not part of `make test`.
deb-check: deps
	@command -v debootstrap >/dev/null && command -v systemd-nspawn >/dev/null || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends debootstrap systemd-container; }
	$(PY) packaging/build_deb.py --revision 1 --out build/deb-check
	$(PY) packaging/build_deb.py --revision 2 --out build/deb-check
	$(SUDO) packaging/deb_check.sh build/deb-check $(HALLQ_VERSION)-1 $(HALLQ_VERSION)-2

clean:
	rm -rf $(VENV) .stamp-apt build *.egg-info
