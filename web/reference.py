"""Reference data the whole app reads: the role list and Iran's provinces."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Role:
    id: str
    fa: str
    en: str
    national: bool
    firm: bool = False   # scope "firm": the holder acts for firms and sees only their cases


@dataclass(frozen=True)
class Province:
    id: str
    fa: str
    en: str


@lru_cache(maxsize=1)
def roles() -> dict[str, Role]:
    raw = json.loads((DATA / "roles.json").read_text(encoding="utf-8"))["roles"]
    return {r["id"]: Role(r["id"], r["fa"], r["en"], r.get("scope") == "national", r.get("scope") == "firm") for r in raw}


@lru_cache(maxsize=1)
def provinces() -> dict[str, Province]:
    raw = json.loads((DATA / "provinces.json").read_text(encoding="utf-8"))["provinces"]
    return {p["id"]: Province(p["id"], p["fa"], p["en"]) for p in raw}
