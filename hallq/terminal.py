"""The hallq-terminal package's launcher: starts the one program a PC is configured for.

A terminal PC (kiosk, counter, display, pad, manager console, guide desk) runs one program. Which,
and how it reaches the server, is in /etc/hallq/terminal.toml, so IT staff set a PC up by editing
one file instead of a command line in a unit. The systemd --user unit runs
``python -m hallq.terminal`` and restarts it when it exits; this module only reads the file,
builds the command line and replaces itself with the program (exec), so the unit watches the
program itself. A bad file exits with EX_CONFIG, which the unit does not restart in a loop.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hall.text import HallRuleError

TERMINAL_CONFIG_PATH = Path("/etc/hallq/terminal.toml")
EXIT_CONFIG_ERROR = 78  # sysexits EX_CONFIG: the unit's RestartPreventExitStatus

# The programs' own full-screen switches: kiosk and display are full-screen unless --windowed;
# the pad needs --fullscreen. Counter, manager console and guide desk have none: they are
# windows beside the clerk's business system or office programs, not whole screens.
FULL_SCREEN_ARGUMENTS: dict[str, list[str]] = {
    "kiosk": [],
    "display": [],
    "pad": ["--fullscreen"],
    "counter": [],
    "manager": [],
    "guide": [],
}


@dataclass(frozen=True)
class TerminalConfig:
    program: str
    server: str
    token: str
    ca_fingerprint: str
    arguments: list[str]


def _refuse(zh: str, en: str) -> HallRuleError:
    return HallRuleError("terminal_config", zh, en)


def parse_terminal_config(text: str, source: str = str(TERMINAL_CONFIG_PATH)) -> TerminalConfig:
    """The file's settings, each checked with a bilingual message that names the file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _refuse(f"{source} 格式错误：{error}", f"{source} is not valid TOML: {error}") from None
    program = data.get("program")
    if program not in FULL_SCREEN_ARGUMENTS:
        choices = ", ".join(FULL_SCREEN_ARGUMENTS)
        raise _refuse(
            f"{source}：program 应为 {choices} 之一（现为 {program!r}）", f"{source}: program should be one of {choices} (is {program!r})"
        )
    strings = {key: data.get(key, "") for key in ("server", "token", "ca_fingerprint")}
    for key, value in strings.items():
        if not isinstance(value, str):
            raise _refuse(f"{source}：{key} 应为字符串", f"{source}: {key} should be a string")
    if not strings["server"] or not strings["token"]:
        raise _refuse(
            f"{source} 尚未配置：请填写 server 和 token（在服务器上运行 hallq enroll {program} 名称 获得）",
            f"{source} is not configured yet: fill in server and token (from `hallq enroll {program} NAME` on the server)",
        )
    if strings["server"].startswith("https://") and not strings["ca_fingerprint"]:
        raise _refuse(
            f"{source}：https:// 服务器需要 ca_fingerprint（hallq enroll 打印的 SHA256 指纹）",
            f"{source}: an https:// server needs ca_fingerprint (the SHA256 fingerprint hallq enroll printed)",
        )
    arguments = data.get("arguments", [])
    if not isinstance(arguments, list) or not all(isinstance(item, str) for item in arguments):
        raise _refuse(
            f'{source}：arguments 应为字符串列表，如 ["--printer", "serial:///dev/ttyUSB0"]',
            f'{source}: arguments should be a list of strings, e.g. ["--printer", "serial:///dev/ttyUSB0"]',
        )
    return TerminalConfig(program, strings["server"], strings["token"], strings["ca_fingerprint"], arguments)


def command_line(config: TerminalConfig, scripts: Path) -> list[str]:
    """The program's console script from the same virtualenv, with its full-screen switch."""
    script = scripts / f"hallq-{config.program}"
    if not script.exists():
        raise _refuse(
            f"本安装中没有 {config.program} 程序（缺少 {script}）",
            f"this installation has no {config.program} program ({script} is missing)",
        )
    command = [str(script), "--server", config.server, "--token", config.token]
    if config.ca_fingerprint:
        command += ["--ca-fingerprint", config.ca_fingerprint]
    return command + FULL_SCREEN_ARGUMENTS[config.program] + config.arguments


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    path = Path(arguments[0]) if arguments else TERMINAL_CONFIG_PATH
    try:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise _refuse(
                f"无法读取 {path}：{error}（桌面用户需在 hallq-terminal 组中）",
                f"cannot read {path}: {error} (the desktop user must be in the hallq-terminal group)",
            ) from None
        config = parse_terminal_config(text, str(path))
        command = command_line(config, Path(sys.executable).parent)
    except HallRuleError as error:
        print(f"错误 / error: {error.message.zh} / {error.message.en}", file=sys.stderr, flush=True)
        return EXIT_CONFIG_ERROR
    print(f"启动 / starting: hallq-{config.program} → {config.server}", flush=True)
    os.execv(command[0], command)
    return 0  # not reached: execv replaces this process


if __name__ == "__main__":
    sys.exit(main())
