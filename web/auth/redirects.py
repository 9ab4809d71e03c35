"""Where to go after signing in: only a path on this site."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None, default: str | None = None) -> str:
    """``target`` if it is a path on this site, else ``default`` (the inbox): never another host."""
    if target and is_local_path(target):
        return target
    return default or url_for("inbox.index")


def is_local_path(target: str) -> bool:
    # no scheme or host, no "//" or "/\\" (browsers read both as another host), no control characters
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
