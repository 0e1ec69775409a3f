"""The Debian packages' metadata, units and maintainer scripts, built without wheels in seconds.

The packages' real life (install, service start, upgrade, remove, purge in a booted Debian
container) is `make deb-check`: it needs root and the network, so it is not part of this run.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]


def _load_builder() -> ModuleType:
    # packaging/ is not an importable package: its name would shadow PyPI's `packaging`
    spec = importlib.util.spec_from_file_location("hallq_build_deb", REPOSITORY / "packaging/build_deb.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


build_deb = _load_builder()
PROJECT = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("deb")
    roots = build_deb.build("amd64", 3, out, sys.executable, metadata_only=True)
    return {root.name.split("_")[0]: root for root in roots}


def _control(root: Path) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = ""
    for line in (root / "DEBIAN/control").read_text(encoding="utf-8").splitlines():
        if line.startswith(" "):
            fields[key] += "\n" + line
        else:
            key, value = line.split(": ", 1)
            fields[key] = value
    return fields


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("package", ["hallq-server", "hallq-terminal"])
def test_control_file_has_the_fields_dpkg_needs(staged: dict[str, Path], package: str) -> None:
    fields = _control(staged[package])
    assert fields["Package"] == package
    assert fields["Version"] == f"{PROJECT['version']}-3"
    assert fields["Architecture"] == "amd64"
    assert re.fullmatch(r".+ <[^@\s]+@[^>\s]+>", fields["Maintainer"])
    assert int(fields["Installed-Size"]) > 0
    # the vendored wheels are cp311: the package needs that very interpreter and its venv module
    assert {"python3.11", "python3.11-venv", "adduser"} <= {item.strip() for item in fields["Depends"].split(",")}
    summary, *long_lines = fields["Description"].split("\n")
    assert summary and long_lines and all(line.startswith(" ") for line in long_lines)


def test_dpkg_deb_reads_the_staged_package(staged: dict[str, Path], tmp_path: Path) -> None:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb not installed")
    for package, root in staged.items():
        deb = tmp_path / f"{package}.deb"
        subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(deb)], check=True, capture_output=True)
        shown = subprocess.run(["dpkg-deb", "--field", str(deb), "Package", "Version"], check=True, capture_output=True, text=True)
        assert f"Package: {package}" in shown.stdout
        listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], check=True, capture_output=True, text=True).stdout
        assert "root/root" in listing and "./opt/hallq/" in listing


def test_the_server_leaves_out_qt_and_the_terminals_carry_it() -> None:
    server = [build_deb.distribution_name(item) for item in build_deb.requirements(build_deb.SERVER)]
    terminal = [build_deb.distribution_name(item) for item in build_deb.requirements(build_deb.TERMINAL)]
    assert not any(name.startswith("pyside6") for name in server)
    assert "psycopg" in server and "fastapi" in server and "uvicorn" in server
    assert {"pyside6-essentials", "pyside6-addons", "pyusb"} <= set(terminal)


def test_server_unit_runs_the_packaged_hallq_as_its_own_user(staged: dict[str, Path]) -> None:
    root = staged["hallq-server"]
    unit = _unit(root / "lib/systemd/system/hallq-server.service")
    service = unit["Service"]
    executable, command, *options = service["ExecStart"].split()
    # the virtualenv postinst makes in the home the package ships, and hallq's console script
    assert executable == "/opt/hallq/server/venv/bin/hallq" and (root / "opt/hallq/server/requirements.txt").is_file()
    assert PROJECT["scripts"]["hallq"] == "hallq.cli:main" and command == "server"
    assert "--config" in options and "/etc/hallq/hall.toml" in options and "${HALLQ_DATABASE}" in options
    assert service["User"] == "hallq" and service["Restart"] == "on-failure"
    env_files = [
        line.strip()
        for line in (root / "lib/systemd/system/hallq-server.service").read_text().splitlines()
        if line.startswith("EnvironmentFile=")
    ]
    assert "EnvironmentFile=/etc/hallq/server.env" in env_files
    for setting in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices", "RestrictSUIDSGID"):
        assert setting in service, setting
    assert (root / "etc/default/hallq-server").is_file()
    assert "/etc/default/hallq-server" in (root / "DEBIAN/conffiles").read_text()


def test_the_server_wrapper_and_setup_agree_on_paths(staged: dict[str, Path]) -> None:
    from hallq.cli import build_parser

    wrapper = (staged["hallq-server"] / "usr/bin/hallq").read_text()
    assert "exec /opt/hallq/server/venv/bin/hallq" in wrapper
    setup = build_parser().parse_args(["setup"])
    assert setup.config == "/etc/hallq/hall.toml"  # the unit's --config and ConditionPathExists


def test_terminal_units_start_the_launcher_from_the_desktop_session(staged: dict[str, Path]) -> None:
    root = staged["hallq-terminal"]
    unit = _unit(root / "usr/lib/systemd/user/hallq-terminal.service")
    assert unit["Service"]["ExecStart"].split()[:3] == ["/opt/hallq/terminal/venv/bin/python", "-m", "hallq.terminal"]
    assert importlib.util.find_spec("hallq.terminal") is not None
    assert unit["Service"]["Restart"] == "always" and unit["Service"]["RestartPreventExitStatus"] == "78"
    desktop = _unit(root / "etc/xdg/autostart/hallq-terminal.desktop")["Desktop Entry"]
    assert (root / desktop["Exec"].lstrip("/")).is_file() and "Name[zh_CN]" in desktop
    assert (root / "etc/hallq/terminal.toml").is_file()
    conffiles = (root / "DEBIAN/conffiles").read_text().split()
    assert all((root / path.lstrip("/")).is_file() for path in conffiles)


def test_every_program_console_script_is_one_the_launcher_knows() -> None:
    from hallq.terminal import FULL_SCREEN_ARGUMENTS

    programs = {name.removeprefix("hallq-") for name in PROJECT["scripts"] if name.startswith("hallq-")}
    # the city console is no hall terminal: it reads the city with a certificate, not a hall token
    assert programs - {"city-console"} <= set(FULL_SCREEN_ARGUMENTS)


def test_the_shipped_terminal_toml_explains_itself_when_unfilled(staged: dict[str, Path]) -> None:
    from hall.text import HallRuleError
    from hallq.terminal import parse_terminal_config

    text = (staged["hallq-terminal"] / "etc/hallq/terminal.toml").read_text(encoding="utf-8")
    with pytest.raises(HallRuleError, match="not configured yet"):
        parse_terminal_config(text)
    filled = text.replace('token = ""', 'token = "abc"').replace('ca_fingerprint = ""', 'ca_fingerprint = "SHA256:AA"')
    assert parse_terminal_config(filled).program == "kiosk"


@pytest.mark.parametrize("script", ["postinst", "prerm", "postrm"])
@pytest.mark.parametrize("package", ["hallq-server", "hallq-terminal"])
def test_maintainer_scripts_are_valid_sh(staged: dict[str, Path], package: str, script: str) -> None:
    path = staged[package] / "DEBIAN" / script
    assert path.stat().st_mode & 0o111
    assert path.read_text().startswith("#!/bin/sh\n")
    subprocess.run(["sh", "-n", str(path)], check=True)
    if shutil.which("shellcheck"):
        subprocess.run(["shellcheck", "-s", "sh", str(path)], check=True)


def test_purge_alone_takes_the_halls_data(staged: dict[str, Path]) -> None:
    postrm = (staged["hallq-server"] / "DEBIAN/postrm").read_text()
    removal, purge = postrm.split('if [ "$1" = purge ]; then', 1)
    assert "/var/lib/hallq" not in removal and "rm -rf /var/lib/hallq" in purge
    postinst = (staged["hallq-server"] / "DEBIAN/postinst").read_text()
    assert "db upgrade --help" in postinst  # guarded: runs only where the command exists


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize(
    ("package", "unit", "scope"),
    [
        ("hallq-server", "lib/systemd/system/hallq-server.service", []),
        ("hallq-terminal", "usr/lib/systemd/user/hallq-terminal.service", ["--user"]),
    ],
)
def test_systemd_analyze_verifies_the_units(staged: dict[str, Path], tmp_path: Path, package: str, unit: str, scope: list[str]) -> None:
    # a user manager's runtime directory, which a CI shell has no session for
    environment = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)}
    command = ["systemd-analyze", "verify", *scope, "--man=no", str(staged[package] / unit)]
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    # The virtualenv exists only once postinst has run (deb-check verifies there with it);
    # every other finding counts.
    not_yet = re.compile(r"Command /opt/hallq/(server|terminal)/venv/bin/\S+ is not executable")
    problems = [line for line in (result.stdout + result.stderr).splitlines() if line.strip() and not not_yet.search(line)]
    assert not problems, result.stdout + result.stderr
