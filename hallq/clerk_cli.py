"""``hallq clerk photo``: set or remove a clerk's 岗位公示 photo from the command line.

    hallq clerk photo 1003 li-na.jpg
    hallq clerk photo 1003 --remove

The same store operation as the console's upload and the API (db/photos.py): the file is checked
(PNG or JPEG, complete, 48-2400 px a side, at most 512 KB), stored, audited as done by ``cli``,
and the pads and window screens refetch. Every refusal is in Chinese and English.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hall.text import HallRuleError


def add_clerk_parser(sub: Any) -> None:
    """The ``clerk`` subcommand (``sub`` is the subparsers object of hallq's parser)."""
    clerk = sub.add_parser("clerk", help="clerk records / 工作人员")
    clerk_sub = clerk.add_subparsers(dest="clerk_command", required=True)
    photo = clerk_sub.add_parser("photo", help="set or remove a clerk's photo (岗位公示) / 设置工作人员照片")
    photo.add_argument("staff_no", help="staff number / 工号")
    photo.add_argument("file", nargs="?", help="PNG or JPEG, at most 512 KB / 照片文件")
    photo.add_argument("--remove", action="store_true", help="remove the photo; screens show the initial again / 删除照片")
    photo.add_argument("--database", help="sqlite:///path or postgresql://... (default: embedded SQLite)")
    photo.add_argument("--config", help="hall configuration TOML (default: the sample county hall)")
    photo.set_defaults(func=cmd_clerk_photo)


def read_photo_file(args: argparse.Namespace) -> bytes | None:
    """The photo's bytes, or None to remove it; bad arguments are refused before the database is opened."""
    if args.remove:
        if args.file:
            raise HallRuleError("photo_arguments", "给出照片文件或 --remove，不能同时给出", "give a photo file or --remove, not both", 422)
        return None
    if not args.file:
        raise HallRuleError(
            "photo_arguments", "请给出照片文件，或用 --remove 删除照片", "give the photo file, or --remove to remove the photo", 422
        )
    path = Path(args.file)
    try:
        return path.read_bytes()
    except OSError as error:
        raise HallRuleError(
            "photo_unreadable", f"无法读取照片文件 {path}：{error.strerror}", f"cannot read the photo file {path}: {error.strerror}", 422
        ) from None


def cmd_clerk_photo(args: argparse.Namespace) -> int:
    content = read_photo_file(args)
    from hall.photos import check_photo

    if content is not None:
        check_photo(content)  # a bad file is refused before the database is migrated or opened

    from db.common import Actor
    from db.photos import PhotoOps
    from hall.config import load_config, load_sample_hall
    from server.runner import default_database_url, prepare_hall

    hall = prepare_hall(args.database or default_database_url(), load_config(args.config) if args.config else load_sample_hall())
    try:
        result = PhotoOps(hall.store).set_clerk_photo(Actor(hall.hall_id, "manager", name="cli"), args.staff_no, content)
    finally:
        hall.engines.dispose()
    if result["photo"]:
        print(f"已设置 {args.staff_no} 的照片 / photo set for {args.staff_no} (tag {result['photo']})")
    else:
        print(f"已删除 {args.staff_no} 的照片 / photo removed for {args.staff_no}")
    return 0
