"""Validating submissions: every field type, records, unknown fields, messages in Persian and English."""
from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest
from marshmallow import ValidationError

from forms.json_schema import json_schema
from forms.loader import load_form_file
from forms.marshmallow_schema import marshmallow_schema, validate_submission
from forms.messages import CATALOGUE, format_number, message
from tests.forms import jsonschema_subset

FIXTURES = Path(__file__).parent / "fixtures"
EVERY_TYPE = load_form_file(FIXTURES / "every_type.json")
REQUIRED = {"title": "عنوان", "isipo_share": 1}


def submit(data: dict, locale: str = "fa") -> tuple[dict, dict[str, list[str]]]:
    return validate_submission(EVERY_TYPE, {**REQUIRED, **data}, locale)


# --- values each type accepts ---------------------------------------------

GOOD = [
    ("title", "  خوشهٔ فرش  ", "خوشهٔ فرش"),
    ("title", "نیم\u200cفاصله", "نیم\u200cفاصله"),          # ZWNJ is part of Persian words
    ("summary", "سطر یک\r\nسطر دو", "سطر یک\nسطر دو"),
    ("firms_n", 12, 12),
    ("firms_n", "۱۲", 12),
    ("firms_n", "٣", 3),                                      # Arabic-Indic digit
    ("firms_n", " 500 ", 500),
    ("firms_n", 12.0, 12),
    ("budget_estimate", "12.50", 12.5),
    ("budget_estimate", "۱۲٫۵", 12.5),
    ("budget_estimate", "۱٬۲۳۴٫۵۶", 1234.56),
    ("budget_estimate", "1,234.5", 1234.5),
    ("budget_estimate", 0.1, 0.1),
    ("budget_estimate", ".5", 0.5),
    ("budget_estimate", 7, 7.0),
    ("budget_estimate", "9999999999999.99", 9999999999999.99),
    ("isipo_share", "۱٬۲۳۴٬۵۶۷", 1234567),
    ("isipo_share", "1,234,567", 1234567),
    ("isipo_share", "1،000", 1000),
    ("isipo_share", 0, 0),
    ("isipo_share", 2**53 - 1, 2**53 - 1),
    ("progress", "45.5", 45.5),
    ("progress", "۱۰۰٪", 100.0),
    ("progress", "12 %", 12.0),
    ("progress", 0, 0.0),
    ("start_date", "۱۴۰۵/۰۱/۰۵", "1405/01/05"),
    ("start_date", "1405/1/5", "1405/01/05"),
    ("start_date", "\u200f1403/12/30", "1403/12/30"),          # leap year; a direction mark pasted in
    ("start_date", date(2026, 3, 21), "1405/01/01"),
    ("confirmed", True, True),
    ("confirmed", "false", False),
    ("confirmed", "on", True),
    ("confirmed", "بله", True),
    ("confirmed", 0, False),
    ("recommendation", "no_go", "no_go"),
    ("horizon", "long", "long"),
    ("subsectors", ["services", "production"], ["production", "services"]),
    ("request_letter", "att_01-X", "att_01-X"),
    ("minutes", ["a1", "b2", "c3"], ["a1", "b2", "c3"]),
    ("rows", [{"action": "آموزش", "budget": "۱٬۰۰۰", "due": "1405/2/1"}],
     [{"action": "آموزش", "budget": 1000, "due": "1405/02/01"}]),
]


@pytest.mark.parametrize("name, raw, clean", GOOD, ids=[f"{g[0]}={g[1]!r}" for g in GOOD])
def test_good_values_are_accepted_and_cleaned(name, raw, clean):
    data, errors = submit({name: raw})
    assert errors == {}
    assert data[name] == clean
    assert type(data[name]) is type(clean)
    # what is stored is the canonical form API clients are told to send
    assert jsonschema_subset.errors(json_schema(EVERY_TYPE, "en"), data) == []


# --- values each type refuses, with the message in both languages ----------

BAD = [
    ("title", 123, "باید متن باشد.", "Must be text."),
    ("title", "یک\nدو", "این فیلد باید یک\u200cخطی باشد.", "Must be a single line."),
    ("title", "x" * 21, "نباید بیش از ۲۰ نویسه باشد؛ اکنون ۲۱ نویسه است.",
     "Must be at most 20 characters; it has 21."),
    ("summary", "a\x00b", "نویسه\u200cهای کنترلی در متن مجاز نیست.", "Control characters are not allowed in the text."),
    ("summary", "x" * 10001, "نباید بیش از ۱۰٬۰۰۰ نویسه باشد؛ اکنون ۱۰٬۰۰۱ نویسه است.",
     "Must be at most 10,000 characters; it has 10,001."),
    ("firms_n", "12.5", "باید عددی صحیح باشد.", "Must be a whole number."),
    ("firms_n", 12.5, "باید عددی صحیح باشد.", "Must be a whole number."),
    ("firms_n", "دوازده", "باید عدد باشد.", "Must be a number."),
    ("firms_n", True, "باید عدد باشد.", "Must be a number."),
    ("firms_n", 0, "باید بین ۱ و ۵۰۰ باشد.", "Must be between 1 and 500."),
    ("firms_n", "۵۰۱", "باید بین ۱ و ۵۰۰ باشد.", "Must be between 1 and 500."),
    ("budget_estimate", "12.345", "حداکثر ۲ رقم اعشار مجاز است.", "Too many decimal places; at most 2 allowed."),
    ("budget_estimate", "-1", "نباید منفی باشد.", "Must not be negative."),
    ("budget_estimate", "1,5", "باید عدد باشد.", "Must be a number."),      # not 15: groups have three digits
    ("budget_estimate", "NaN", "باید عدد باشد.", "Must be a number."),
    ("budget_estimate", float("inf"), "باید عدد باشد.", "Must be a number."),
    ("budget_estimate", 1e13, "این عدد بیش از اندازه بزرگ است.", "This number is too large."),
    ("isipo_share", "12.5", "باید عددی صحیح باشد.", "Must be a whole number."),
    ("isipo_share", -1, "نباید منفی باشد.", "Must not be negative."),
    ("isipo_share", "1,23,456", "باید عدد باشد.", "Must be a number."),
    ("isipo_share", 2**53, "این عدد بیش از اندازه بزرگ است.", "This number is too large."),
    ("progress", 101, "باید بین ۰ و ۱۰۰ باشد.", "Must be between 0 and 100."),
    ("progress", "45.55", "حداکثر ۱ رقم اعشار مجاز است.", "Too many decimal places; at most 1 allowed."),
    ("start_date", "1405/13/01", "ماه ۱۳ وجود ندارد؛ ماه باید بین ۱ و ۱۲ باشد.",
     "There is no month 13; months run from 1 to 12."),
    ("start_date", "۱۴۰۴/۱۲/۳۰", "اسفند ۱۴۰۴ روز ۳۰ ندارد؛ روزهای این ماه ۱ تا ۲۹ است.",
     "Esfand 1404 has no day 30; its days run from 1 to 29."),
    ("start_date", "1405/07/31", "مهر ۱۴۰۵ روز ۳۱ ندارد؛ روزهای این ماه ۱ تا ۳۰ است.",
     "Mehr 1405 has no day 31; its days run from 1 to 30."),
    ("start_date", "2026/03/21", "سال ۲۰۲۶ میلادی به نظر می\u200cرسد؛ تاریخ را شمسی وارد کنید، مانند ۱۴۰۵/۰۱/۱۵.",
     "Year 2026 looks Gregorian; enter the Jalali date, e.g. 1405/01/15."),
    ("start_date", "405/01/01", "سال ۴۰۵ پذیرفته نیست؛ سال شمسی باید چهاررقمی و بین ۱۲۰۰ و ۱۶۹۹ باشد.",
     "Year 405 is not accepted; a Jalali year has four digits and lies between 1200 and 1699."),
    ("start_date", "21 March", "تاریخ باید به شکل سال/ماه/روز باشد، مانند ۱۴۰۵/۰۱/۱۵.",
     "Dates must be written YYYY/MM/DD in the Jalali calendar, e.g. 1405/01/15."),
    ("start_date", 14050101, "تاریخ باید به شکل سال/ماه/روز باشد، مانند ۱۴۰۵/۰۱/۱۵.",
     "Dates must be written YYYY/MM/DD in the Jalali calendar, e.g. 1405/01/15."),
    ("confirmed", "maybe", "باید «بله» یا «خیر» باشد.", "Must be yes or no (true or false)."),
    ("confirmed", 2, "باید «بله» یا «خیر» باشد.", "Must be yes or no (true or false)."),
    ("recommendation", "yes", "«yes» از گزینه\u200cهای این فیلد نیست. گزینه\u200cها: اجرا، عدم اجرا، تعویق.",
     "“yes” is not one of the choices: Go, No go, Defer."),
    ("subsectors", "services", "باید فهرستی از مقدارها باشد.", "Must be a list of values."),
    ("subsectors", ["services", "x"], "«x» از گزینه\u200cهای این فیلد نیست. گزینه\u200cها: تولیدی، خدماتی، صنایع دستی.",
     "“x” is not one of the choices: Production, Services, Handicraft."),
    ("subsectors", ["services", "services"], "«services» بیش از یک بار آمده است.",
     "“services” is given more than once."),
    ("subsectors", ["services", "production", "handicraft"], "حداکثر ۲ مورد مجاز است؛ ۳ مورد داده شده است.",
     "At most 2 allowed; 3 given."),
    ("request_letter", "../etc/passwd", "شناسهٔ پیوست معتبر نیست.", "Not a valid attachment id."),
    ("request_letter", "a" * 65, "شناسهٔ پیوست معتبر نیست.", "Not a valid attachment id."),
    ("request_letter", ["a1"], "شناسهٔ پیوست معتبر نیست.", "Not a valid attachment id."),
    ("minutes", ["a1"], "دست\u200cکم ۲ مورد لازم است؛ ۱ مورد داده شده است.", "At least 2 required; 1 given."),
    ("minutes", ["a", "b", "c", "d"], "حداکثر ۳ مورد مجاز است؛ ۴ مورد داده شده است.", "At most 3 allowed; 4 given."),
    ("minutes", "a1", "باید فهرستی از مقدارها باشد.", "Must be a list of values."),
    ("rows", {"action": "x"}, "باید فهرستی از مقدارها باشد.", "Must be a list of values."),
    ("rows", [{"action": "x", "budget": 1}] * 4, "حداکثر ۳ مورد مجاز است؛ ۴ مورد داده شده است.",
     "At most 3 allowed; 4 given."),
]


@pytest.mark.parametrize("name, raw, fa, en", BAD, ids=[f"{b[0]}={str(b[1])[:20]!r}" for b in BAD])
def test_bad_values_are_refused_in_the_users_language(name, raw, fa, en):
    assert submit({name: raw}, "fa") == ({}, {name: [fa]})
    assert submit({name: raw}, "en") == ({}, {name: [en]})


def test_persian_messages_write_numbers_in_persian_digits():
    for name, raw, fa, _ in BAD:
        assert not re.search(r"[0-9]", fa.replace("«yes»", "").replace("«services»", "")), fa


# --- empty values, required fields, defaults -------------------------------

@pytest.mark.parametrize("empty", [None, "", "   "])
def test_an_empty_required_field_is_reported_missing(empty):
    assert submit({"title": empty}, "fa") == ({}, {"title": ["این فیلد الزامی است."]})
    assert submit({"title": empty}, "en") == ({}, {"title": ["This field is required."]})


def test_missing_required_fields_are_each_reported():
    data, errors = validate_submission(EVERY_TYPE, {}, "en")
    assert data == {}
    assert errors == {"title": ["This field is required."], "isipo_share": ["This field is required."]}


def test_empty_optional_fields_are_left_out_or_take_their_default():
    data, errors = submit({"summary": "", "firms_n": None, "subsectors": [], "horizon": "", "rows": []})
    assert errors == {}
    assert data == {"title": "عنوان", "isipo_share": 1, "horizon": "medium", "confirmed": False}


def test_a_default_list_is_not_shared_between_submissions(tmp_path):
    path = tmp_path / "tags.json"
    path.write_text('{"id": "tags", "title": {"fa": "ب", "en": "T"}, "fields": [{"name": "tags",'
                    ' "type": "multi_choice", "default": ["a"], "label": {"fa": "ب", "en": "T"},'
                    ' "choices": [{"value": "a", "label": {"fa": "الف", "en": "A"}}]}]}', encoding="utf-8")
    form = load_form_file(path)
    first, _ = validate_submission(form, {})
    first["tags"].append("changed")
    assert validate_submission(form, {}) == ({"tags": ["a"]}, {})


# --- records -----------------------------------------------------------------

def test_records_validate_each_row_with_dotted_error_keys():
    rows = [
        {"action": "آموزش", "budget": "۱۰۰"},
        {"budget": "x", "due": "1405/13/01", "typo": 1},
        "not a row",
    ]
    assert submit({"rows": rows}, "en") == ({}, {
        "rows.1.action": ["This field is required."],
        "rows.1.budget": ["Must be a number."],
        "rows.1.due": ["There is no month 13; months run from 1 to 12."],
        "rows.1.typo": ["This field is not in the form."],
        "rows.2": ["Each row must be an object of column names and values."],
    })
    _, errors = submit({"rows": rows}, "fa")
    assert errors["rows.1.action"] == ["این فیلد الزامی است."]
    assert errors["rows.2"] == ["هر ردیف باید مجموعه\u200cای از نام ستون\u200cها و مقدارها باشد."]


def test_records_come_back_as_lists_of_clean_rows():
    data, errors = submit({"rows": [{"action": " الف ", "budget": "1,000,000"}, {"action": "ب", "budget": 0}]})
    assert errors == {}
    assert data["rows"] == [{"action": "الف", "budget": 1000000}, {"action": "ب", "budget": 0}]


# --- unknown fields and the submission as a whole ---------------------------

def test_unknown_fields_are_refused_so_clients_learn_of_typos():
    assert submit({"titel": "x", "firms_n": 3}, "fa") == ({}, {"titel": ["این فیلد در فرم وجود ندارد."]})
    assert submit({"titel": "x"}, "en") == ({}, {"titel": ["This field is not in the form."]})


@pytest.mark.parametrize("data", [[], "text", None, 5])
def test_a_submission_that_is_not_an_object_is_refused(data):
    assert validate_submission(EVERY_TYPE, data, "en") == (
        {}, {"_schema": ["The form data must be an object of names and values."]})


def test_a_full_valid_submission_is_clean_json():
    data, errors = validate_submission(EVERY_TYPE, {
        "title": "کارگاه", "summary": "—", "firms_n": "۴۲", "budget_estimate": "۱۵۰۰٫۷۵",
        "isipo_share": "۲٬۵۰۰٬۰۰۰٬۰۰۰", "progress": "۳۳٫۳", "start_date": "۱۴۰۵/۰۲/۰۱", "confirmed": True,
        "recommendation": "go", "horizon": "short", "subsectors": ["handicraft"], "request_letter": "f1",
        "minutes": ["m1", "m2"], "rows": [{"action": "الف", "budget": 5}],
    })
    assert errors == {}
    assert data == {
        "title": "کارگاه", "summary": "—", "firms_n": 42, "budget_estimate": 1500.75,
        "isipo_share": 2500000000, "progress": 33.3, "start_date": "1405/02/01", "confirmed": True,
        "recommendation": "go", "horizon": "short", "subsectors": ["handicraft"], "request_letter": "f1",
        "minutes": ["m1", "m2"], "rows": [{"action": "الف", "budget": 5}],
    }


# --- the marshmallow schema --------------------------------------------------

def test_the_schema_raises_marshmallow_errors_and_is_cached_per_locale():
    schema = marshmallow_schema(EVERY_TYPE, "fa")
    assert marshmallow_schema(EVERY_TYPE, "fa") is schema
    assert marshmallow_schema(EVERY_TYPE, "fa_IR") is schema
    assert marshmallow_schema(EVERY_TYPE, "en") is not schema
    with pytest.raises(ValidationError) as caught:
        schema.load({"isipo_share": 1})
    assert caught.value.messages == {"title": ["این فیلد الزامی است."]}


def test_an_edited_definition_gets_a_new_schema(tmp_path):
    path = tmp_path / "edited.json"
    text = ('{"id": "edited", "title": {"fa": "ب", "en": "T"}, "fields": [{"name": "n", "type": "integer",'
            ' "max": MAX, "label": {"fa": "ب", "en": "N"}}]}')
    path.write_text(text.replace("MAX", "5"), encoding="utf-8")
    before = load_form_file(path)
    assert validate_submission(before, {"n": 9}, "en")[1] == {"n": ["Must be at most 5."]}
    path.write_text(text.replace("MAX", "10"), encoding="utf-8")
    after = load_form_file(path)
    assert marshmallow_schema(after) is not marshmallow_schema(before)
    assert validate_submission(after, {"n": 9}) == ({"n": 9}, {})


def test_a_field_may_share_a_name_with_a_schema_attribute(tmp_path):
    path = tmp_path / "clash.json"
    path.write_text('{"id": "clash", "title": {"fa": "ب", "en": "T"}, "fields": ['
                    '{"name": "load", "type": "text", "label": {"fa": "ب", "en": "L"}},'
                    '{"name": "error_messages", "type": "text", "label": {"fa": "ب", "en": "E"}}]}',
                    encoding="utf-8")
    form = load_form_file(path)
    assert validate_submission(form, {"load": "a", "error_messages": "b"}) == ({"load": "a", "error_messages": "b"}, {})
    assert validate_submission(form, {"x": 1}, "en")[1] == {"x": ["This field is not in the form."]}


def test_an_unsupported_locale_is_a_programming_error():
    with pytest.raises(ValueError, match="unsupported locale"):
        validate_submission(EVERY_TYPE, {}, "de")


# --- the message catalogue ---------------------------------------------------

def test_both_languages_have_the_same_messages_and_placeholders():
    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert CATALOGUE["fa"].keys() == CATALOGUE["en"].keys()
    for key, fa in CATALOGUE["fa"].items():
        assert placeholders(fa) == placeholders(CATALOGUE["en"][key]), key


def test_persian_messages_use_persian_letters_not_arabic_ones():
    for key, text in CATALOGUE["fa"].items():
        assert not re.search("[\u064a\u0643]", text), key      # Arabic yeh and kaf


def test_numbers_are_grouped_from_five_digits_so_years_stay_plain():
    assert format_number(1404, "fa") == "۱۴۰۴"
    assert format_number(12500000, "fa") == "۱۲٬۵۰۰٬۰۰۰"
    assert format_number(12500000, "en") == "12,500,000"
    assert format_number(0.5, "fa") == "۰٫۵"
    assert format_number(100.0, "en") == "100"
    assert message("between", "en", min=-1.5, max=10000) == "Must be between -1.5 and 10,000."
