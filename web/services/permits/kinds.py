"""The kinds of permit the service involves and their declared columns (``processes/permits/kinds.json``)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

from ...config import shipped_dir

PERMITS_FILE = shipped_dir("processes") / "permits" / "kinds.json"
DEFAULT_KIND = "cluster_development"


@dataclass(frozen=True)
class PermitKind:
    id: str
    declared: Mapping[str, Any]

    @property
    def validity_months(self) -> int:
        return int(self.declared.get("validity_months") or 12)

    @property
    def types(self) -> list[str]:
        return list(self.declared.get("types") or ["issue"])

    def text(self, key: str, lang: str) -> str:
        """A declared column in ``lang`` (texts are {"fa", "en"}; numbers and booleans as they are)."""
        value = self.declared.get(key)
        if isinstance(value, Mapping):
            return str(value.get(lang) or value.get("fa") or "")
        return "" if value is None else str(value)


@lru_cache(maxsize=1)
def permit_kinds() -> dict[str, PermitKind]:
    raw = json.loads(PERMITS_FILE.read_text(encoding="utf-8"))
    return {kind_id: PermitKind(kind_id, spec) for kind_id, spec in raw.items()}


def add_months(jalali: str, months: int) -> str:
    """A Jalali date ``months`` later (the day kept; the 31st of a 30-day month becomes the 30th, and so on)."""
    from engine.calendar import days_in_jalali_month

    year, month, day = (int(part) for part in jalali.split("/"))
    total = month - 1 + months
    year, month = year + total // 12, total % 12 + 1
    return f"{year:04d}/{month:02d}/{min(day, days_in_jalali_month(year, month)):02d}"
