"""``hallq setup``: the first run on a real hall's server.

Asks for (or reads from flags / an answers file) the hall's name, address, public status URL and
database URL, starts from the sample hall's catalogue, windows and clerks, drops ``demo = true``
and gives every clerk a new PIN (generated, or an answer that hall.pins accepts), so the demo PINs
never reach a real hall. Writes the hall config (which the manager then edits in the console) and
a ``server.env`` with the database URL beside it; refuses to overwrite either without --force.
"""

from __future__ import annotations

import argparse
import re
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hall.config import SAMPLE_HALL_PATH, load_config
from hall.pins import pin_problem
from hall.text import HallRuleError

Ask = Callable[[str], str]


@dataclass(frozen=True)
class SiteAnswers:
    name_zh: str
    name_en: str
    address: str
    public_url: str
    database_url: str
    pins: dict[str, str]  # staff number -> PIN


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def check_name(text: str) -> str:
    text = text.strip()
    if not text:
        raise HallRuleError("setup_name", "大厅名称不能为空", "the hall's name must not be empty")
    return text


def check_public_url(text: str) -> str:
    text = text.strip()
    if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", text):
        raise HallRuleError(
            "setup_public_url",
            f"公开状态网址“{text}”应以 http:// 或 https:// 开头",
            f"the public status URL '{text}' should start with http:// or https://",
        )
    return text.rstrip("/")


def check_database_url(text: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    text = text.strip()
    try:
        backend = make_url(text).get_backend_name()
    except ArgumentError:
        backend = ""
    if backend not in ("sqlite", "postgresql"):
        raise HallRuleError(
            "setup_database",
            f"数据库地址“{text}”应为 sqlite:///路径 或 postgresql+psycopg://用户@主机/库",
            f"the database URL '{text}' should be sqlite:///path or postgresql+psycopg://user@host/db",
        )
    return text


def check_pin(pin: str, staff_no: str) -> str:
    pin = pin.strip()
    problem = pin_problem(pin, staff_no, demo=False)
    if problem is not None:
        raise HallRuleError("setup_pin", f"工号 {staff_no}：{problem.zh}", f"staff number {staff_no}: {problem.en}")
    return pin


def generate_pin(staff_no: str) -> str:
    """Six random digits that the hall accepts (not trivial, not containing the staff number)."""
    while True:
        pin = f"{secrets.randbelow(10**6):06d}"
        if pin_problem(pin, staff_no, demo=False) is None:
            return pin


def staff_numbers(template: Path = SAMPLE_HALL_PATH) -> list[str]:
    return [clerk.staff_no for clerk in load_config(template).clerks]


def ask_answers(ask: Ask, template: Path = SAMPLE_HALL_PATH, attempts: int = 3) -> SiteAnswers:
    """Interactive questions; a refused answer is explained (bilingual) and asked again."""

    def question(prompt: str, check: Callable[[str], str], default: str | None = None) -> str:
        for _ in range(attempts):
            shown = f"{prompt}" + (f" [{default}]" if default else "") + ": "
            answer = ask(shown)
            if not answer.strip() and default is not None:
                answer = default
            try:
                return check(answer)
            except HallRuleError as error:
                print(f"错误 / error: {error.message.zh} / {error.message.en}")
        raise HallRuleError("setup_gave_up", f"{attempts} 次回答均无效，未写入任何文件", f"{attempts} answers refused; nothing was written")

    name_zh = question("大厅名称（中文）/ hall name (Chinese)", check_name)
    name_en = question("大厅名称（英文）/ hall name (English)", check_name)
    address = question("地址 / address", check_name)
    public_url = question("公开状态网址 / public status URL", check_public_url)
    database_url = question("数据库地址 / database URL", check_database_url, "sqlite:////var/lib/hallq/hall.db")
    pins: dict[str, str] = {}
    for staff_no in staff_numbers(template):
        answer = question(
            f"工号 {staff_no} 的新 PIN（回车自动生成）/ new PIN for {staff_no} (Enter generates one)",
            lambda text, s=staff_no: check_pin(text, s) if text.strip() else generate_pin(s),
            "",
        )
        pins[staff_no] = answer
    return SiteAnswers(name_zh, name_en, address, public_url, database_url, pins)


def answers_from_file(path: Path, template: Path = SAMPLE_HALL_PATH) -> SiteAnswers:
    """Non-interactive: a TOML answers file with name_zh, name_en, address, public_url, database,
    and an optional [pins] table (staff number = PIN); clerks without one get a generated PIN."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise HallRuleError("setup_answers", f"无法读取答案文件 {path}：{error}", f"cannot read the answers file {path}: {error}") from None
    missing = [key for key in ("name_zh", "name_en", "address", "public_url", "database") if not isinstance(data.get(key), str)]
    if missing:
        raise HallRuleError("setup_answers", f"答案文件缺少：{', '.join(missing)}", f"the answers file lacks: {', '.join(missing)}")
    given = data.get("pins", {})
    pins = {s: check_pin(str(given[s]), s) if s in given else generate_pin(s) for s in staff_numbers(template)}
    return SiteAnswers(
        check_name(data["name_zh"]),
        check_name(data["name_en"]),
        check_name(data["address"]),
        check_public_url(data["public_url"]),
        check_database_url(data["database"]),
        pins,
    )


def render_config(answers: SiteAnswers, template: Path = SAMPLE_HALL_PATH) -> str:
    """The sample hall's text with the site's answers: comments and layout kept, so the file stays
    readable; demo mode removed and every clerk's PIN replaced."""
    text = template.read_text(encoding="utf-8")
    replacements = {"name_zh": answers.name_zh, "name_en": answers.name_en, "public_url": answers.public_url}
    for key, value in replacements.items():
        text = re.sub(rf"^{key} = .*$", f"{key} = {_toml_string(value)}", text, count=1, flags=re.M)
    text = re.sub(r"^demo = true\s*$", f"address = {_toml_string(answers.address)}", text, count=1, flags=re.M)
    text = text.replace(
        "# The demo and the tests' hall: its clerks' PINs are their staff numbers, which a real hall\n"
        "# refuses (hall/pins.py). Remove this line in a copy for a real hall and give real PINs.\n",
        "",
    )

    def new_pin(match: re.Match[str]) -> str:
        return f"{match.group(1)}pin = {_toml_string(answers.pins[match.group(2)])}"

    text = re.sub(r'(staff_no = "([^"]+)"\n(?:(?!\[\[)[^\n]*\n)*?)pin = "[^"]*"', new_pin, text)
    return text


def write_site(answers: SiteAnswers, config_path: Path, force: bool, template: Path = SAMPLE_HALL_PATH) -> tuple[Path, Path]:
    from db.engine import write_private_file

    env_path = config_path.parent / "server.env"
    for path in (config_path, env_path):
        if path.exists() and not force:
            raise HallRuleError("setup_exists", f"{path} 已存在；加 --force 覆盖", f"{path} exists; add --force to overwrite it")
    text = render_config(answers, template)
    config_path.parent.mkdir(parents=True, exist_ok=True)
    # PINs are in the file: owner-only, like the manager token
    write_private_file(config_path, text)
    write_private_file(env_path, f"HALLQ_DATABASE={answers.database_url}\n")
    # what the server will load must load, as a real hall (its parser checks every PIN again)
    if load_config(config_path).demo:
        raise HallRuleError("setup_demo", "配置仍为演示模式", "the config is still in demo mode")
    return config_path, env_path


def cmd_setup(args: argparse.Namespace) -> int:
    if args.answers:
        answers = answers_from_file(Path(args.answers))
    else:
        answers = ask_answers(lambda prompt: _read_line(prompt))
    config_path, env_path = write_site(answers, Path(args.config), args.force)
    print(f"已写入大厅配置 / hall config written: {config_path}")
    print(f"已写入数据库设置 / database setting written: {env_path}")
    print("新 PIN 在配置文件中（仅本用户可读），请分发给窗口人员 / the new PINs are in the config (owner-only); hand them to the clerks")
    return 0


def _read_line(prompt: str) -> str:
    try:
        return input(prompt)
    except EOFError:
        raise HallRuleError("setup_eof", "输入已结束，未写入任何文件", "input ended; nothing was written") from None


def add_setup_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    setup = sub.add_parser("setup", help="first run for a real hall / 首次配置大厅")
    setup.add_argument("--config", default="/etc/hallq/hall.toml", help="where to write the hall config")
    setup.add_argument("--answers", help="TOML answers file (non-interactive)")
    setup.add_argument("--force", action="store_true", help="overwrite an existing config")
    setup.set_defaults(func=cmd_setup)
