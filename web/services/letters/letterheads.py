"""Each province company's letterhead (``web/data/letterheads.json``): its name, address and an optional image."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ...reference import provinces

LETTERHEADS = Path(__file__).resolve().parents[2] / "data" / "letterheads.json"


@lru_cache(maxsize=1)
def _letterheads() -> dict[str, Any]:
    return json.loads(LETTERHEADS.read_text(encoding="utf-8"))


def letterhead(province: str | None) -> dict[str, Any]:
    """The letterhead of ``province``'s company: the defaults, with the province's own entries over them."""
    heads = _letterheads()
    head = {**heads["default"], **heads.get(province or "", {})}
    place = provinces().get(province) if province else None
    head["province_name"] = place.fa if place else (province or "")
    head["issuer"] = head["issuer"].replace("{province}", head["province_name"])
    return head


def issuer_name(province: str | None) -> str:
    return str(letterhead(province)["issuer"])
