"""Turning one submitted value into its clean JSON form, or saying why it is refused.

The rules per field type (what :func:`clean_value` accepts and returns):

- ``text``, ``long_text``: a string; surrounding spaces are dropped, line
  breaks become ``\\n`` (``text`` allows none), control characters are refused.
- ``integer``: a JSON integer, an integral float, or a string of digits.
- ``money``: like ``integer`` (rials, never negative).
- ``decimal``, ``percent``: a JSON number or a string; at most ``places``
  decimal places; returned as a float (a JSON number). Values are limited to
  15 significant digits, which a float holds exactly, so ``"12.50"`` comes
  back as ``12.5`` and prints as such; numbers stay numbers so BPMN
  conditions and DMN tables can compare them.
- ``date``: a Jalali ``YYYY/MM/DD`` string (or a ``date``); returned as the
  canonical ``YYYY/MM/DD`` with Latin digits and zero padding.
- ``boolean``: true/false, 1/0, or the strings true/false, yes/no, on/off,
  بله/خیر.
- ``choice``: one of the choice values (a string); ``multi_choice``: a list of
  them, each once, returned in the order of the definition.
- ``file``: an attachment id (1-64 of ``A-Z a-z 0-9 _ -``), a list of them
  when ``multiple``.
- ``national_id``, ``company_id``, ``postal_code``, ``mobile``: see
  :mod:`forms.identifiers`; returned as strings of Latin digits.
- ``choice``/``multi_choice`` with ``options_from``: one of the values the
  case data gives (see :func:`forms.context.case_options`).
- ``user``: the user name of an active user who holds the field's ``role`` in
  the case's province (a list of them when ``multiple``).

Choices from the case and users are checked against the current
:class:`forms.context.ValidationContext`; without one any non-empty value of
the right shape passes.

Number strings may use Persian or Arabic-Indic digits, ``٫`` or ``.`` as the
decimal point, a ``%`` or ``٪`` sign (percent), and thousands separators
(``,`` ``٬`` ``،``) when every group after the first has three digits, so
``"1,5"`` is refused rather than read as 15. ``records`` are not handled here
(see :mod:`forms.marshmallow_schema`).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Callable

from engine.calendar import MAX_YEAR, MIN_YEAR, days_in_jalali_month, from_jalali, latin_digits, to_jalali

from .context import case_options, current_context
from .identifiers import CLEANERS as IDENTIFIER_CLEANERS
from .messages import LIST_SEPARATOR, message, normalize_locale
from .model import MAX_SAFE_INTEGER, SIGNIFICANT_DIGITS, FieldDefinition


class InvalidValue(ValueError):
    """A value is refused; ``key`` names the message and ``params`` fill it in."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def text(self, field: FieldDefinition, locale: str) -> str:
        """The message for a user of ``locale``; choices are listed by their labels."""
        params = dict(self.params)
        if "choices" in params:
            lang = normalize_locale(locale)
            params["choices"] = LIST_SEPARATOR[lang].join(c["label"][lang] for c in field.options["choices"])
        return message(self.key, locale, **params)


def is_blank(value: Any) -> bool:
    """None, an empty or all-space string, or an empty list: the field was left empty."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple)) and not value


# Direction marks that copying from right-to-left text leaves around numbers.
_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_NUMBER = re.compile(r"([+-]?)([0-9]{1,3}(?:[,\u066c\u060c][0-9]{3})+|[0-9]*)(?:[.\u066b]([0-9]+))?")
_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_JALALI_PARTS = re.compile(r"([0-9]+)[/-]([0-9]+)[/-]([0-9]+)")
_TRUE = frozenset({"true", "1", "yes", "on", "بله", "آری", "درست"})
_FALSE = frozenset({"false", "0", "no", "off", "خیر", "نه", "نادرست"})


def _tidy(text: str) -> str:
    return latin_digits(text).translate(_MARKS).strip()


def _number(value: Any, percent_sign: bool = False) -> Decimal:
    if isinstance(value, bool):
        raise InvalidValue("not_number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidValue("not_number")
        return Decimal(repr(value))
    if not isinstance(value, str):
        raise InvalidValue("not_number")
    text = _tidy(value).replace("\u2212", "-")
    if percent_sign and text[-1:] in ("%", "٪"):
        text = text[:-1].rstrip()
    match = _NUMBER.fullmatch(text)
    if match is None or not (match.group(2) or match.group(3)):
        raise InvalidValue("not_number")
    sign, whole, fraction = match.groups()
    digits = re.sub(r"[^0-9]", "", whole) or "0"
    try:
        return Decimal(f"{sign}{digits}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise InvalidValue("not_number") from None


def _check_bounds(field: FieldDefinition, number: Decimal, limit: Decimal) -> None:
    low, high = field.options.get("min"), field.options.get("max")
    if (low is not None and number < Decimal(str(low))) or (high is not None and number > Decimal(str(high))):
        if low is not None and high is not None:
            raise InvalidValue("between", min=low, max=high)
        if low is not None:
            raise InvalidValue("not_negative" if low == 0 else "at_least", min=low)
        raise InvalidValue("at_most", max=high)
    if abs(number) > limit:
        raise InvalidValue("too_large")


def _whole(field: FieldDefinition, value: Any) -> int:
    number = _number(value)
    if number != number.to_integral_value():
        raise InvalidValue("not_integer")
    _check_bounds(field, number, Decimal(MAX_SAFE_INTEGER))
    return int(number)


def _decimal(field: FieldDefinition, value: Any) -> float:
    number = _number(value, percent_sign=field.type == "percent")
    places = field.options["places"]
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise InvalidValue("not_integer" if places == 0 else "too_many_places", places=places)
    limit = Decimal(10) ** (SIGNIFICANT_DIGITS - places) - Decimal(10) ** -places
    _check_bounds(field, number, limit)
    return float(number) + 0.0  # + 0.0 turns -0.0 into 0.0


def _text(field: FieldDefinition, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidValue("not_text")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if field.type == "text" and "\n" in text:
        raise InvalidValue("single_line")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise InvalidValue("bad_characters")
    if len(text) > field.options["max_length"]:
        raise InvalidValue("too_long", max=field.options["max_length"], length=len(text))
    return text


def _date(field: FieldDefinition, value: Any) -> str:
    if isinstance(value, date):
        return to_jalali(value)
    if not isinstance(value, str):
        raise InvalidValue("date_format")
    try:
        return to_jalali(from_jalali(value))
    except ValueError:
        pass
    # from_jalali decides what is accepted; this only finds words for why not.
    match = _JALALI_PARTS.fullmatch(_tidy(value))
    if match is None:
        raise InvalidValue("date_format")
    year_text, month_text, day_text = match.groups()
    year, month, day = int(year_text), int(month_text), int(day_text)
    if len(year_text) != 4 or not MIN_YEAR <= year <= MAX_YEAR:
        key = "date_year_gregorian" if 1900 <= year <= 2200 else "date_year"
        raise InvalidValue(key, year=year, min_year=MIN_YEAR, max_year=MAX_YEAR)
    if not 1 <= month <= 12:
        raise InvalidValue("date_month", month=month)
    length = days_in_jalali_month(year, month)
    if not 1 <= day <= length:
        raise InvalidValue("date_day", year=year, month=month, day=day, length=length)
    raise InvalidValue("date_format")


def _boolean(field: FieldDefinition, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = _tidy(value).lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise InvalidValue("not_boolean")


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _one_choice(field: FieldDefinition, value: Any) -> str:
    if field.options.get("options_from"):
        return _case_choice(field, value)
    values = [c["value"] for c in field.options["choices"]]
    if isinstance(value, str) and value.strip() in values:
        return value.strip()
    raise InvalidValue("not_choice", value=_shown(value), choices=values)


def check_count(field: FieldDefinition, count: int) -> None:
    """Refuse a list of ``count`` items outside the field's ``min_items``/``max_items``."""
    low, high = field.options.get("min_items"), field.options.get("max_items")
    if low is not None and count < low:
        raise InvalidValue("too_few_items", min=low, count=count)
    if high is not None and count > high:
        raise InvalidValue("too_many_items", max=high, count=count)


def _list(field: FieldDefinition, value: Any, item: Callable[[FieldDefinition, Any], str]) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise InvalidValue("not_list")
    items: list[str] = []
    for raw in value:
        clean = item(field, raw)
        if clean in items:
            raise InvalidValue("duplicate_item", value=_shown(clean))
        items.append(clean)
    check_count(field, len(items))
    return items


def _multi_choice(field: FieldDefinition, value: Any) -> list[str]:
    chosen = _list(field, value, _one_choice)
    if field.options.get("options_from"):
        return chosen
    return [c["value"] for c in field.options["choices"] if c["value"] in set(chosen)]


def _plain(value: Any, max_length: int = 200) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or "\n" in value.strip() or len(value.strip()) > max_length:
        raise InvalidValue("not_text")
    return value.strip()


def _case_choice(field: FieldDefinition, value: Any) -> str:
    text = _plain(value)
    context = current_context()
    if context is None:
        return text
    if text not in {o["value"] for o in case_options(field.options["options_from"], context.case, "fa")}:
        raise InvalidValue("not_case_choice", value=_shown(text))
    return text


def _one_user(field: FieldDefinition, value: Any) -> str:
    name = _plain(value, 80)
    context = current_context()
    if context is None or context.users is None:
        return name
    if name not in {username for username, _ in context.people(field.options.get("role"))}:
        raise InvalidValue("unknown_user", value=_shown(name))
    return name


def _user(field: FieldDefinition, value: Any) -> str | list[str]:
    if field.options.get("multiple"):
        return _list(field, value, _one_user)
    return _one_user(field, value)


def _file_id(field: FieldDefinition, value: Any) -> str:
    if isinstance(value, str) and _FILE_ID.fullmatch(value.strip()):
        return value.strip()
    raise InvalidValue("not_file_id")


def _file(field: FieldDefinition, value: Any) -> str | list[str]:
    if field.options.get("multiple"):
        return _list(field, value, _file_id)
    return _file_id(field, value)


_CLEANERS: dict[str, Callable[[FieldDefinition, Any], Any]] = {
    "text": _text,
    "long_text": _text,
    "integer": _whole,
    "money": _whole,
    "decimal": _decimal,
    "percent": _decimal,
    "date": _date,
    "boolean": _boolean,
    "choice": _one_choice,
    "multi_choice": _multi_choice,
    "file": _file,
    "user": _user,
    **IDENTIFIER_CLEANERS,
}


def clean_value(field: FieldDefinition, value: Any) -> Any:
    """The clean JSON value of a non-blank ``value`` for ``field`` (see the module docstring).

    :raise InvalidValue: saying why the value is refused.
    :raise ValueError: for a ``records`` field, whose rows are checked elsewhere.
    """
    try:
        cleaner = _CLEANERS[field.type]
    except KeyError:
        raise ValueError(f"clean_value does not handle {field.type!r} fields") from None
    return cleaner(field, value)
