"""What anyone may learn from a letter's public code: that it exists, its number, date, subject and issuer."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Letter

CODE = re.compile(r"[A-Z0-9]{6,16}")


def public_letter(session: Session, code: str) -> dict[str, Any] | None:
    """The public facts of the letter with ``code`` (no personal data), or None for an unknown code."""
    code = (code or "").strip().upper()
    if not CODE.fullmatch(code):
        return None
    letter = session.scalar(select(Letter).where(Letter.verify_code == code))
    if letter is None:
        return None
    return {"reference": letter.reference, "issued_at": letter.issued_at, "subject": letter.subject,
            "issuer": letter.issuer, "kind": letter.kind, "code": letter.verify_code}
