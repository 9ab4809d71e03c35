"""Iranian identifiers as field values: national id, company national id, postal code, mobile number.

Each cleaner takes what a person types (Latin, Persian ``۰-۹`` or Arabic-Indic
``٠-٩`` digits, with spaces or hyphens between groups, direction marks left by
copying from right-to-left text) and returns the identifier as a string of
Latin digits, or raises :class:`forms.values.InvalidValue` saying why not:

- ``national_id`` (کد ملی): 10 digits; the last is the check digit of the
  first nine (weights 10..2, sum mod 11: below 2 it is the remainder, else
  11 minus it). Ten equal digits are refused.
- ``company_id`` (شناسه ملی اشخاص حقوقی): 11 digits; the last is the check
  digit: add the 10th digit + 2 to each of the first ten, weight them 29, 27,
  23, 19, 17 (repeating), sum mod 11, mod 10.
- ``postal_code`` (کد پستی): 10 digits as the post issues them: no 0, 2 or
  5 in the first five except that the first four may hold 5 (the fifth never
  does), no 2 anywhere, and the first four digits not all the same.
- ``mobile`` (تلفن همراه): an Iranian mobile number, ``09`` and nine digits;
  ``+98 9…``, ``0098 9…``, ``98 9…`` and ``9…`` are accepted and stored as
  ``09…``.
"""
from __future__ import annotations

import re
from typing import Any

from engine.calendar import latin_digits

IDENTIFIER_TYPES = ("national_id", "company_id", "postal_code", "mobile")

_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200c"))
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.()/]+")
_POSTAL = re.compile(r"[13-9]{4}[1346-9][013-9]{5}")
_COMPANY_WEIGHTS = (29, 27, 23, 19, 17)


def _digits(value: Any, error: str) -> str:
    from .values import InvalidValue  # values imports this module

    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidValue(error)
    text = _SEPARATORS.sub("", latin_digits(value).translate(_MARKS))
    if text.startswith("+"):
        text = "00" + text[1:]
    if not text.isascii() or not text.isdigit():
        raise InvalidValue(error)
    return text


def national_id_ok(digits: str) -> bool:
    """Whether ``digits`` (Latin) is a valid national id (کد ملی)."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    remainder = sum(int(digits[i]) * (10 - i) for i in range(9)) % 11
    check = remainder if remainder < 2 else 11 - remainder
    return int(digits[9]) == check


def company_id_ok(digits: str) -> bool:
    """Whether ``digits`` (Latin) is a valid company national id (شناسه ملی)."""
    if len(digits) != 11 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    added = int(digits[9]) + 2
    total = sum((int(digits[i]) + added) * _COMPANY_WEIGHTS[i % 5] for i in range(10))
    return total % 11 % 10 == int(digits[10])


def postal_code_ok(digits: str) -> bool:
    """Whether ``digits`` (Latin) has the structure of an Iranian postal code."""
    return bool(_POSTAL.fullmatch(digits)) and len(set(digits[:4])) > 1


def _national_id(field: Any, value: Any) -> str:
    from .values import InvalidValue

    digits = _digits(value, "national_id_format")
    if len(digits) != 10:
        raise InvalidValue("national_id_length", length=len(digits))
    if not national_id_ok(digits):
        raise InvalidValue("national_id_check")
    return digits


def _company_id(field: Any, value: Any) -> str:
    from .values import InvalidValue

    digits = _digits(value, "company_id_format")
    if len(digits) != 11:
        raise InvalidValue("company_id_length", length=len(digits))
    if not company_id_ok(digits):
        raise InvalidValue("company_id_check")
    return digits


def _postal_code(field: Any, value: Any) -> str:
    from .values import InvalidValue

    digits = _digits(value, "postal_code_format")
    if len(digits) != 10:
        raise InvalidValue("postal_code_length", length=len(digits))
    if not postal_code_ok(digits):
        raise InvalidValue("postal_code_check")
    return digits


def _mobile(field: Any, value: Any) -> str:
    from .values import InvalidValue

    digits = _digits(value, "mobile_format")
    for prefix in ("0098", "98", "0"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 10:
            digits = digits[len(prefix):]
            break
    if len(digits) != 10 or not digits.startswith("9"):
        raise InvalidValue("mobile_format")
    return "0" + digits


CLEANERS = {
    "national_id": _national_id,
    "company_id": _company_id,
    "postal_code": _postal_code,
    "mobile": _mobile,
}
