"""Iranian identifiers as field types: valid and invalid samples, in Latin, Persian and Arabic-Indic digits."""
from __future__ import annotations

import pytest

from forms.json_schema import json_schema
from forms.marshmallow_schema import validate_submission

from .test_rules import form

IDS = form([
    {"name": "person", "type": "national_id"},
    {"name": "company", "type": "company_id"},
    {"name": "postal", "type": "postal_code"},
    {"name": "phone", "type": "mobile"},
])


def clean(field: str, value, locale: str = "en"):
    data, errors = validate_submission(IDS, {field: value}, locale)
    return data.get(field), errors.get(field)


@pytest.mark.parametrize("typed, stored", [
    ("0012345679", "0012345679"),
    ("۰۰۱۲۳۴۵۶۷۹", "0012345679"),          # Persian digits
    ("٠٠١٢٣٤٥٦٧٩", "0012345679"),          # Arabic-Indic digits
    ("001-234567-9", "0012345679"),        # as printed on the card
    ("۰۴۵-۰۸۷۳۴۵-۵", "0450873455"),
    ("1234567891", "1234567891"),
    (" \u200f0060103681 ", "0060103681"),  # a direction mark from copying
])
def test_valid_national_ids(typed, stored):
    assert clean("person", typed) == (stored, None)


@pytest.mark.parametrize("typed, message", [
    ("0012345678", "This national id is not valid (its check digit does not match)."),
    ("۰۰۱۲۳۴۵۶۷۸", "This national id is not valid (its check digit does not match)."),
    ("1111111111", "This national id is not valid (its check digit does not match)."),
    ("12345", "A national id has 10 digits; 5 given."),
    ("001234567912", "A national id has 10 digits; 12 given."),
    ("00123x5679", "A national id has 10 digits, e.g. 0012345678."),
    (12.5, "A national id has 10 digits, e.g. 0012345678."),
])
def test_invalid_national_ids(typed, message):
    assert clean("person", typed) == (None, [message])


def test_messages_are_in_persian_too():
    assert clean("person", "۱۲۳۴۵", "fa") == (None, ["کد ملی ۱۰ رقم است؛ ۵ رقم وارد شده است."])
    assert clean("company", "10101", "fa") == (None, ["شناسه ملی ۱۱ رقم است؛ ۵ رقم وارد شده است."])


@pytest.mark.parametrize("typed, stored", [
    ("10101010103", "10101010103"),
    ("۱۴۱۰۰۰۰۵۲۹۴", "14100005294"),
    ("١٠٨٦٠١٤٥٥٣٥", "10860145535"),
    ("1400 5926 002", "14005926002"),
])
def test_valid_company_ids(typed, stored):
    assert clean("company", typed) == (stored, None)


@pytest.mark.parametrize("typed, message", [
    ("10101010101", "This company national id is not valid (its check digit does not match)."),
    ("۱۴۱۰۰۰۰۵۲۹۵", "This company national id is not valid (its check digit does not match)."),
    ("11111111111", "This company national id is not valid (its check digit does not match)."),
    ("10320", "A company national id has 11 digits; 5 given."),          # the 5-digit id of the issue
    ("0012345679", "A company national id has 11 digits; 10 given."),    # a person's national id
])
def test_invalid_company_ids(typed, message):
    assert clean("company", typed) == (None, [message])


@pytest.mark.parametrize("typed, stored", [
    ("1193653471", "1193653471"),
    ("۱۹۳۹۶-۱۳۸۵۱", "1939613851"),
    ("٧١٣٤٦ ٧٣٩٤٥", "7134673945"),
])
def test_valid_postal_codes(typed, stored):
    assert clean("postal", typed) == (stored, None)


@pytest.mark.parametrize("typed, message", [
    ("1234567890", "This postal code is not valid: its first five digits hold no 0 or 2, and no digit is 2."),
    ("1105567890", "This postal code is not valid: its first five digits hold no 0 or 2, and no digit is 2."),
    ("1111367890", "This postal code is not valid: its first five digits hold no 0 or 2, and no digit is 2."),
    ("۱۱۹۳۶۵۳۴۷۲", "This postal code is not valid: its first five digits hold no 0 or 2, and no digit is 2."),
    ("11936", "A postal code has 10 digits; 5 given."),
])
def test_invalid_postal_codes(typed, message):
    assert clean("postal", typed) == (None, [message])


@pytest.mark.parametrize("typed", ["09123456789", "۰۹۱۲۳۴۵۶۷۸۹", "+98 912 345 6789", "00989123456789", "989123456789",
                                   "9123456789", "٠٩١٢-٣٤٥-٦٧٨٩", "(0912) 345 67 89"])
def test_mobile_numbers_are_stored_as_09(typed):
    assert clean("phone", typed) == ("09123456789", None)


@pytest.mark.parametrize("typed", ["02112345678", "0912345678", "091234567890", "+1 912 345 6789", "۰۸۱۲۳۴۵۶۷۸۹",
                                   "0912abc6789"])
def test_invalid_mobile_numbers(typed):
    assert clean("phone", typed) == (None, ["A mobile number starts with 09 and has 11 digits, e.g. 09123456789."])


def test_json_schema_gives_the_stored_shape():
    properties = json_schema(IDS, "en")["properties"]
    assert [properties[n]["pattern"] for n in ("person", "company", "postal", "phone")] == \
        [r"^[0-9]{10}$", r"^[0-9]{11}$", r"^[0-9]{10}$", r"^09[0-9]{9}$"]
    assert properties["company"]["x-field-type"] == "company_id"
