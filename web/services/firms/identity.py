"""People's and firms' identifiers as typed into the firms' pages, refused at the field in the reader's
language (the same checks and messages as form fields of these types, forms/identifiers.py)."""
from __future__ import annotations

from typing import Any

from flask_babel import get_locale

from forms.identifiers import CLEANERS
from forms.messages import message
from forms.values import InvalidValue

from ..errors import InvalidInput


def _locale() -> str:
    try:
        return "en" if str(get_locale() or "fa").startswith("en") else "fa"
    except Exception:  # noqa: BLE001 - outside an app context: Persian, the first language
        return "fa"


def clean(kind: str, value: Any, field: str) -> str:
    """``value`` as Latin digits for an identifier of ``kind`` (national_id, company_id, mobile).

    :raise InvalidInput: at ``field``, saying why (e.g. the check digit does not match).
    """
    if value is None or not str(value).strip():
        raise InvalidInput(f"{field}: required", {field: [message("required", _locale())]})
    try:
        return CLEANERS[kind](None, value)
    except InvalidValue as exc:
        text = message(exc.key, _locale(), **exc.params)
        raise InvalidInput(f"{field}: {exc.key}", {field: [text]}) from None


def clean_mobile(value: Any, field: str = "mobile") -> str:
    return clean("mobile", value, field)


def clean_national_id(value: Any, field: str = "national_id") -> str:
    return clean("national_id", value, field)


def clean_company_id(value: Any, field: str = "company_id") -> str:
    return clean("company_id", value, field)
