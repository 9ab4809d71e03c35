"""The validation messages users see, in Persian and English, and how numbers are written in them.

Every user-facing string of ``forms/`` is in :data:`CATALOGUE` and is read
through :func:`message`, so the whole catalogue can later move into
Flask-Babel without touching the callers.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.calendar import MONTHS, persian_digits

MONTHS_FA = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)

CATALOGUE: dict[str, dict[str, str]] = {
    "fa": {
        "yes": "بله",
        "no": "خیر",
        "money": "{amount} ریال",
        "required": "این فیلد الزامی است.",
        "unknown_field": "این فیلد در فرم وجود ندارد.",
        "not_an_object": "داده‌های فرم باید مجموعه‌ای از نام‌ها و مقدارها باشد.",
        "not_a_row": "هر ردیف باید مجموعه‌ای از نام ستون‌ها و مقدارها باشد.",
        "not_text": "باید متن باشد.",
        "single_line": "این فیلد باید یک‌خطی باشد.",
        "bad_characters": "نویسه‌های کنترلی در متن مجاز نیست.",
        "too_long": "نباید بیش از {max} نویسه باشد؛ اکنون {length} نویسه است.",
        "not_integer": "باید عددی صحیح باشد.",
        "not_number": "باید عدد باشد.",
        "too_many_places": "حداکثر {places} رقم اعشار مجاز است.",
        "between": "باید بین {min} و {max} باشد.",
        "at_least": "نباید کمتر از {min} باشد.",
        "at_most": "نباید بیشتر از {max} باشد.",
        "not_negative": "نباید منفی باشد.",
        "too_large": "این عدد بیش از اندازه بزرگ است.",
        "not_boolean": "باید «بله» یا «خیر» باشد.",
        "not_choice": "«{value}» از گزینه‌های این فیلد نیست. گزینه‌ها: {choices}.",
        "not_list": "باید فهرستی از مقدارها باشد.",
        "duplicate_item": "«{value}» بیش از یک بار آمده است.",
        "too_few_items": "دست‌کم {min} مورد لازم است؛ {count} مورد داده شده است.",
        "too_many_items": "حداکثر {max} مورد مجاز است؛ {count} مورد داده شده است.",
        "not_file_id": "شناسهٔ پیوست معتبر نیست.",
        "date_format": "تاریخ باید به شکل سال/ماه/روز باشد، مانند ۱۴۰۵/۰۱/۱۵.",
        "date_year": "سال {year} پذیرفته نیست؛ سال شمسی باید چهاررقمی و بین {min_year} و {max_year} باشد.",
        "date_year_gregorian": "سال {year} میلادی به نظر می‌رسد؛ تاریخ را شمسی وارد کنید، مانند ۱۴۰۵/۰۱/۱۵.",
        "date_month": "ماه {month} وجود ندارد؛ ماه باید بین ۱ و ۱۲ باشد.",
        "date_day": "{month_name} {year} روز {day} ندارد؛ روزهای این ماه ۱ تا {length} است.",
        "national_id_format": "کد ملی باید ۱۰ رقم باشد، مانند ۰۰۱۲۳۴۵۶۷۸.",
        "national_id_length": "کد ملی ۱۰ رقم است؛ {length} رقم وارد شده است.",
        "national_id_check": "این کد ملی معتبر نیست (رقم کنترل آن نمی‌خواند).",
        "company_id_format": "شناسه ملی باید ۱۱ رقم باشد.",
        "company_id_length": "شناسه ملی ۱۱ رقم است؛ {length} رقم وارد شده است.",
        "company_id_check": "این شناسه ملی معتبر نیست (رقم کنترل آن نمی‌خواند).",
        "postal_code_format": "کد پستی باید ۱۰ رقم باشد.",
        "postal_code_length": "کد پستی ۱۰ رقم است؛ {length} رقم وارد شده است.",
        "postal_code_check": "این کد پستی معتبر نیست؛ پنج رقم نخست کد پستی ۰ و ۲ ندارد و هیچ رقم آن ۲ نیست.",
        "mobile_format": "شماره همراه باید با ۰۹ آغاز شود و ۱۱ رقم باشد، مانند ۰۹۱۲۳۴۵۶۷۸۹.",
        "not_case_choice": "«{value}» از گزینه‌های مجاز این پرونده نیست.",
        "unknown_user": "«{value}» کاربر فعالی با نقش لازم در این استان نیست.",
        "duplicate_case": "دور شناسایی این استان برای این سال پیش‌تر آغاز شده است؛ هر سال یک دور برگزار می‌شود. تکرار دور فقط با ذکر دلیل و توسط ناظر ممکن است.",
    },
    "en": {
        "yes": "Yes",
        "no": "No",
        "money": "{amount} rials",
        "required": "This field is required.",
        "unknown_field": "This field is not in the form.",
        "not_an_object": "The form data must be an object of names and values.",
        "not_a_row": "Each row must be an object of column names and values.",
        "not_text": "Must be text.",
        "single_line": "Must be a single line.",
        "bad_characters": "Control characters are not allowed in the text.",
        "too_long": "Must be at most {max} characters; it has {length}.",
        "not_integer": "Must be a whole number.",
        "not_number": "Must be a number.",
        "too_many_places": "Too many decimal places; at most {places} allowed.",
        "between": "Must be between {min} and {max}.",
        "at_least": "Must be at least {min}.",
        "at_most": "Must be at most {max}.",
        "not_negative": "Must not be negative.",
        "too_large": "This number is too large.",
        "not_boolean": "Must be yes or no (true or false).",
        "not_choice": "“{value}” is not one of the choices: {choices}.",
        "not_list": "Must be a list of values.",
        "duplicate_item": "“{value}” is given more than once.",
        "too_few_items": "At least {min} required; {count} given.",
        "too_many_items": "At most {max} allowed; {count} given.",
        "not_file_id": "Not a valid attachment id.",
        "date_format": "Dates must be written YYYY/MM/DD in the Jalali calendar, e.g. 1405/01/15.",
        "date_year": ("Year {year} is not accepted; a Jalali year has four digits "
                      "and lies between {min_year} and {max_year}."),
        "date_year_gregorian": "Year {year} looks Gregorian; enter the Jalali date, e.g. 1405/01/15.",
        "date_month": "There is no month {month}; months run from 1 to 12.",
        "date_day": "{month_name} {year} has no day {day}; its days run from 1 to {length}.",
        "national_id_format": "A national id has 10 digits, e.g. 0012345678.",
        "national_id_length": "A national id has 10 digits; {length} given.",
        "national_id_check": "This national id is not valid (its check digit does not match).",
        "company_id_format": "A company national id has 11 digits.",
        "company_id_length": "A company national id has 11 digits; {length} given.",
        "company_id_check": "This company national id is not valid (its check digit does not match).",
        "postal_code_format": "A postal code has 10 digits.",
        "postal_code_length": "A postal code has 10 digits; {length} given.",
        "postal_code_check": ("This postal code is not valid: its first five digits hold no 0 or 2, "
                              "and no digit is 2."),
        "mobile_format": "A mobile number starts with 09 and has 11 digits, e.g. 09123456789.",
        "not_case_choice": "“{value}” is not one of this case's choices.",
        "unknown_user": "“{value}” is not an active user holding the required role in this province.",
        "duplicate_case": ("A round for this province and year was already started; "
                           "the round runs once a year. Only a supervisor may start a repeat round, "
                           "giving a reason."),
    },
}

LIST_SEPARATOR = {"fa": "، ", "en": ", "}
_THOUSANDS = {"fa": "٬", "en": ","}
_DECIMAL_POINT = {"fa": "٫", "en": "."}


def normalize_locale(locale: str) -> str:
    """``"fa"`` or ``"en"`` for a locale name such as ``"fa"``, ``"fa_IR"`` or ``"en-US"``.

    :raise ValueError: for any other language.
    """
    language = str(locale).replace("-", "_").split("_", 1)[0].lower()
    if language not in CATALOGUE:
        raise ValueError(f"unsupported locale {locale!r}; expected one of {sorted(CATALOGUE)}")
    return language


def format_number(value: int | float | Decimal, locale: str) -> str:
    """``value`` as a user of ``locale`` writes it: Persian digits and ``٫`` in Persian.

    Numbers of five or more integer digits are grouped in thousands
    (``۱۲٬۵۰۰٬۰۰۰``, ``12,500,000``); shorter ones, years among them, are not.
    """
    lang = normalize_locale(locale)
    number = Decimal(value) if isinstance(value, int) else Decimal(str(value))
    # 100.0 is written "100" and 2.50 "2.5": no exponent, no trailing zeros.
    number = number.to_integral_value() if number == number.to_integral_value() else number.normalize()
    text = format(number, "f")
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    if len(whole) >= 5:
        whole = f"{int(whole):,}".replace(",", _THOUSANDS[lang])
    text = sign + whole + (_DECIMAL_POINT[lang] + fraction if fraction else "")
    return persian_digits(text) if lang == "fa" else text


def message(key: str, locale: str, **params: Any) -> str:
    """The message ``key`` in ``locale`` with ``params`` filled in.

    Numbers among ``params`` are written with :func:`format_number`; strings
    are inserted as they are. A ``month`` parameter (1-12) also provides
    ``month_name`` in the locale.

    :raise KeyError: if ``key`` is not in the catalogue.
    :raise ValueError: if the locale is not supported.
    """
    lang = normalize_locale(locale)
    template = CATALOGUE[lang][key]
    values: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            values[name] = format_number(value, lang)
        else:
            values[name] = value
    month = params.get("month")
    if isinstance(month, int) and 1 <= month <= 12:
        values["month_name"] = (MONTHS_FA if lang == "fa" else MONTHS)[month - 1]
    return template.format(**values)
