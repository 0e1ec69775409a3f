"""Build the hallq-server and hallq-terminal Debian packages from this repository (`make deb`).

Each package carries the wheels it needs (hallq's own, built here, and every dependency's
binary wheel for the target architecture), and its postinst makes a virtualenv under
/opt/hallq/<server|terminal>/venv from them with the target's python3.11: installing needs no
network and leaves system Python untouched. The wheels are Python-version and CPU specific, so
the packages are Architecture: amd64 or arm64 and depend on python3.11.

    python packaging/build_deb.py [--arch arm64] [--revision 2] [--out build/deb]

Only the standard library and pip; dpkg-deb does the packing. ``--metadata-only`` writes the
staged trees and control files without wheels (what the CI test checks, in seconds).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
REPOSITORY = PACKAGING.parent
PYTHON_VERSION = "3.11"  # the wheels' ABI: Debian bookworm's python3.11
MAINTAINER = "hallq developers <hallq@localhost>"

# pip platform tags per Debian architecture: manylinux up to bookworm's glibc 2.36
PLATFORMS = {
    "amd64": ["manylinux2014_x86_64", *(f"manylinux_2_{minor}_x86_64" for minor in range(17, 37))],
    "arm64": ["manylinux2014_aarch64", *(f"manylinux_2_{minor}_aarch64" for minor in range(17, 37))],
}
QT_DISTRIBUTIONS = ("pyside6", "shiboken6")  # the server never imports Qt (DESIGN.md §2)


@dataclass(frozen=True)
class PackageSpec:
    name: str
    summary: str
    description: str
    depends: list[str]
    recommends: list[str]
    # (source under packaging/<name>/, destination in the installed system, mode)
    files: list[tuple[str, str, int]]
    conffiles: list[str] = field(default_factory=list)
    with_qt: bool = True


SERVER = PackageSpec(
    name="hallq-server",
    summary="hall queue system server (政务服务大厅排队叫号服务器)",
    description=(
        "The hall server of hallq: tickets, windows, displays, ratings and reports over HTTPS,\n"
        "with SQLite or PostgreSQL. Runs as the hallq system user from its own virtualenv in\n"
        "/opt/hallq/server; configure with `hallq setup`, then `systemctl start hallq-server`."
    ),
    depends=["python3.11", "python3.11-venv", "adduser", "util-linux"],
    recommends=["systemd"],
    files=[
        ("hallq-server.service", "lib/systemd/system/hallq-server.service", 0o644),
        ("default", "etc/default/hallq-server", 0o644),
        ("hallq", "usr/bin/hallq", 0o755),
    ],
    conffiles=["/etc/default/hallq-server"],
    with_qt=False,
)

TERMINAL = PackageSpec(
    name="hallq-terminal",
    summary="hall queue system terminal programs (排队叫号终端：取号机、窗口、显示屏、评价器、管理端、导办台)",
    description=(
        "The kiosk, counter, display, pad, manager console and guide desk programs of hallq.\n"
        "The one named in /etc/hallq/terminal.toml starts with the PC's desktop session\n"
        "(a systemd user unit started from XDG autostart) and is restarted whenever it exits."
    ),
    depends=[
        "python3.11",
        "python3.11-venv",
        "adduser",
        "util-linux",
        "fonts-wqy-microhei | fonts-noto-cjk",  # Chinese renders as boxes without a CJK font
        # what the Qt libraries in the PySide6 wheels link against (objdump NEEDED of QtCore, Gui,
        # Widgets, Multimedia, Network and the xcb, wayland and offscreen platform plugins)
        "libglib2.0-0",
        "libfreetype6",
        "libfontconfig1",
        "libdbus-1-3",
        "libgssapi-krb5-2",
        "libegl1",
        "libgl1",
        "libdrm2",
        "libx11-6",
        "libx11-xcb1",
        "libxext6",
        "libxrandr2",
        "libxkbcommon0",
        "libxkbcommon-x11-0",
        "libxcb1",
        "libxcb-cursor0",
        "libxcb-glx0",
        "libxcb-icccm4",
        "libxcb-image0",
        "libxcb-keysyms1",
        "libxcb-randr0",
        "libxcb-render0",
        "libxcb-render-util0",
        "libxcb-shape0",
        "libxcb-shm0",
        "libxcb-sync1",
        "libxcb-util1",
        "libxcb-xfixes0",
        "libxcb-xinerama0",
        "libxcb-xkb1",
        "libwayland-client0",
        "libwayland-cursor0",
    ],
    # libpam-systemd and dbus-user-session give desktop users their systemd user manager and its
    # bus (without them the autostart entry restarts the program itself)
    recommends=["libpam-systemd", "dbus-user-session", "espeak-ng", "libpulse0", "libusb-1.0-0"],
    files=[
        ("hallq-terminal.service", "usr/lib/systemd/user/hallq-terminal.service", 0o644),
        ("hallq-terminal.desktop", "etc/xdg/autostart/hallq-terminal.desktop", 0o644),
        ("terminal-session", "usr/libexec/hallq/terminal-session", 0o755),
        ("terminal-users", "usr/libexec/hallq/terminal-users", 0o755),
        ("terminal.toml", "etc/hallq/terminal.toml", 0o644),
    ],
    conffiles=["/etc/hallq/terminal.toml", "/etc/xdg/autostart/hallq-terminal.desktop"],
)

PACKAGES = (SERVER, TERMINAL)
MAINTAINER_SCRIPTS = ("postinst", "prerm", "postrm")


def project_metadata() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def distribution_name(requirement: str) -> str:
    """'PySide6-Essentials>=6.8' -> 'pyside6-essentials' (PEP 503 normalised)."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def requirements(spec: PackageSpec) -> list[str]:
    """What the package's virtualenv installs besides hallq: the project's dependencies, the
    PostgreSQL driver for the server, USB printers for the terminals; the server without Qt."""
    project = project_metadata()
    extras = ["postgres"] if spec is SERVER else ["usb"]
    found = list(project["dependencies"])
    for extra in extras:
        found += project["optional-dependencies"][extra]
    if not spec.with_qt:
        found = [item for item in found if not distribution_name(item).startswith(QT_DISTRIBUTIONS)]
    return found


def debian_version(revision: int) -> str:
    return f"{project_metadata()['version']}-{revision}"


def control_text(spec: PackageSpec, version: str, architecture: str, installed_kib: int) -> str:
    lines = [
        f"Package: {spec.name}",
        f"Version: {version}",
        f"Architecture: {architecture}",
        f"Maintainer: {MAINTAINER}",
        f"Installed-Size: {installed_kib}",
        f"Depends: {', '.join(spec.depends)}",
        f"Recommends: {', '.join(spec.recommends)}",
        "Section: misc",
        "Priority: optional",
        f"Description: {spec.summary}",
        # continuation lines start with a space; an empty line is " ."
        *(" " + line if line else " ." for line in spec.description.splitlines()),
    ]
    return "\n".join(lines) + "\n"


def _copy(source: Path, destination: Path, mode: int) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)
    destination.chmod(mode)


def _tree_kib(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file() and "DEBIAN" not in path.parts) // 1024 + 1


def _md5sums(root: Path) -> str:
    lines = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.relative_to(root).parts[0] != "DEBIAN":
            lines.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {path.relative_to(root)}")
    return "\n".join(lines) + "\n"


def stage(spec: PackageSpec, version: str, architecture: str, out: Path, wheels: list[Path]) -> Path:
    """The package's file tree under out/<name>_<version>_<arch>/ with DEBIAN/ control files."""
    root = out / f"{spec.name}_{version}_{architecture}"
    if root.exists():
        shutil.rmtree(root)
    source = PACKAGING / spec.name
    for name, destination, mode in spec.files:
        _copy(source / name, root / destination, mode)
    _copy(REPOSITORY / "README.md", root / f"usr/share/doc/{spec.name}/README.md", 0o644)
    home = root / "opt/hallq" / spec.name.removeprefix("hallq-")
    (home / "wheels").mkdir(parents=True)
    (home / "requirements.txt").write_text("\n".join(requirements(spec)) + "\n", encoding="utf-8")
    for wheel in wheels:
        if spec.with_qt or not distribution_name(wheel.name).startswith(QT_DISTRIBUTIONS):
            shutil.copyfile(wheel, home / "wheels" / wheel.name)
    debian = root / "DEBIAN"
    debian.mkdir()
    for script in MAINTAINER_SCRIPTS:
        _copy(source / script, debian / script, 0o755)
    (debian / "conffiles").write_text("".join(f"{path}\n" for path in spec.conffiles), encoding="utf-8")
    (debian / "md5sums").write_text(_md5sums(root), encoding="utf-8")
    (debian / "control").write_text(control_text(spec, version, architecture, _tree_kib(root)), encoding="utf-8")
    return root


def collect_wheels(architecture: str, wheelhouse: Path, pip_python: str) -> list[Path]:
    """hallq's own wheel built from the tree, and binary wheels of every dependency for the
    target (no sdists: nothing compiles on the hall's PCs)."""
    if wheelhouse.exists():
        shutil.rmtree(wheelhouse)
    wheelhouse.mkdir(parents=True)
    pip = [pip_python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--wheel-dir", str(wheelhouse), str(REPOSITORY)], check=True)
    wanted = sorted(set(requirements(SERVER) + requirements(TERMINAL)))
    platforms = [argument for tag in PLATFORMS[architecture] for argument in ("--platform", tag)]
    subprocess.run(
        [
            *pip,
            "download",
            "--only-binary=:all:",
            *platforms,
            "--python-version",
            PYTHON_VERSION,
            "--implementation",
            "cp",
            "--dest",
            str(wheelhouse),
            *wanted,
        ],
        check=True,
    )
    return sorted(wheelhouse.glob("*.whl"))


def build(architecture: str, revision: int, out: Path, pip_python: str, metadata_only: bool) -> list[Path]:
    version = debian_version(revision)
    out.mkdir(parents=True, exist_ok=True)
    wheels = [] if metadata_only else collect_wheels(architecture, out / f"wheels-{architecture}", pip_python)
    built = []
    for spec in PACKAGES:
        root = stage(spec, version, architecture, out, wheels)
        if metadata_only:
            built.append(root)
            continue
        deb = out / f"{root.name}.deb"
        # the wheels are zip files already: light gzip keeps the build quick
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z1", "--build", str(root), str(deb)], check=True)
        shutil.rmtree(root)
        built.append(deb)
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="build the hallq Debian packages / 构建 Debian 软件包")
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="amd64")
    parser.add_argument("--revision", type=int, default=1, help="Debian revision: <version>-<revision>")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "build/deb")
    parser.add_argument("--pip-python", default=sys.executable, help="the Python whose pip fetches the wheels")
    parser.add_argument("--metadata-only", action="store_true", help="staged trees and control files, no wheels, no .deb")
    args = parser.parse_args(argv)
    for path in build(args.arch, args.revision, args.out, args.pip_python, args.metadata_only):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
