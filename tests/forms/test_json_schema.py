"""The JSON Schema of a form: well formed, in the user's language, and agreeing with the validator."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from forms.json_schema import json_schema
from forms.loader import DEFINITIONS_DIR, load_form_file
from forms.marshmallow_schema import validate_submission
from tests.forms import jsonschema_subset

FIXTURES = Path(__file__).parent / "fixtures"
ALL_FILES = sorted(DEFINITIONS_DIR.glob("*.json")) + sorted(FIXTURES.glob("*.json"))
EVERY_TYPE = load_form_file(FIXTURES / "every_type.json")

try:
    import jsonschema
except ImportError:  # not a dependency; the hand-written subset checker always runs
    jsonschema = None


@pytest.mark.parametrize("locale", ["fa", "en"])
@pytest.mark.parametrize("path", ALL_FILES, ids=[p.name for p in ALL_FILES])
def test_every_form_gives_a_well_formed_schema(path, locale):
    schema = json_schema(load_form_file(path), locale)
    assert json.loads(json.dumps(schema)) == schema
    jsonschema_subset.check_schema(schema)
    if jsonschema is not None:
        jsonschema.Draft202012Validator.check_schema(schema)


def test_titles_and_descriptions_are_in_the_locale():
    fa, en = json_schema(EVERY_TYPE, "fa"), json_schema(EVERY_TYPE, "en")
    assert (fa["title"], en["title"]) == ("فرم آزمایشی همهٔ نوع\u200cها", "A test form with every type")
    assert fa["properties"]["title"]["title"] == "عنوان"
    assert en["properties"]["title"]["description"] == "The joint action's title"
    assert en["properties"]["recommendation"]["oneOf"][1] == {"const": "no_go", "title": "No go"}
    assert fa["properties"]["rows"]["items"]["properties"]["budget"]["title"] == "بودجه"
    assert {name: p["x-field-type"] for name, p in en["properties"].items()} == {
        f.name: f.type for f in EVERY_TYPE.fields}
    assert en["x-form-id"] == "every_type"
    assert en["additionalProperties"] is False
    assert en["required"] == ["title", "isipo_share"]


VALID = {
    "title": "کارگاه", "summary": "سطر یک\nسطر دو", "firms_n": 42, "budget_estimate": 1500.75,
    "isipo_share": 2500000000, "progress": 33.3, "start_date": "1405/02/01", "confirmed": False,
    "recommendation": "defer", "horizon": "long", "subsectors": ["services"], "request_letter": "f-1",
    "minutes": ["m1", "m2"], "rows": [{"action": "الف", "budget": 5, "due": "1405/12/29"}],
}

INVALID = {
    "missing required": {k: v for k, v in VALID.items() if k != "title"},
    "blank required text": {**VALID, "title": "   "},
    "text too long": {**VALID, "title": "x" * 21},
    "unknown field": {**VALID, "titel": "x"},
    "integer above max": {**VALID, "firms_n": 501},
    "fractional integer": {**VALID, "firms_n": 12.5},
    "number as boolean": {**VALID, "firms_n": True},
    "negative decimal": {**VALID, "budget_estimate": -0.5},
    "huge decimal": {**VALID, "budget_estimate": 1e15},
    "negative money": {**VALID, "isipo_share": -1},
    "unsafe integer": {**VALID, "isipo_share": 2**53},
    "percent above 100": {**VALID, "progress": 100.5},
    "month 13": {**VALID, "start_date": "1405/13/01"},
    "Gregorian date": {**VALID, "start_date": "2026/03/21"},
    "boolean as number": {**VALID, "confirmed": 2},
    "not a choice": {**VALID, "recommendation": "maybe"},
    "choice twice": {**VALID, "subsectors": ["services", "services"]},
    "too many choices": {**VALID, "subsectors": ["services", "production", "handicraft"]},
    "bad attachment id": {**VALID, "request_letter": "a/b"},
    "too few files": {**VALID, "minutes": ["m1"]},
    "row missing a column": {**VALID, "rows": [{"action": "x"}]},
    "row with an unknown column": {**VALID, "rows": [{"action": "x", "budget": 1, "typo": 2}]},
    "too many rows": {**VALID, "rows": [{"action": "x", "budget": 1}] * 4},
    "row not an object": {**VALID, "rows": ["x"]},
    "not an object": ["title"],
}


def schema_errors(data) -> list[str]:
    schema = json_schema(EVERY_TYPE, "en")
    found = jsonschema_subset.errors(schema, data)
    if jsonschema is not None:
        assert (not found) == jsonschema.Draft202012Validator(schema).is_valid(data)
    return found


def test_a_valid_submission_is_valid_for_both_and_so_is_its_clean_data():
    data, errors = validate_submission(EVERY_TYPE, VALID)
    assert errors == {}
    assert schema_errors(VALID) == []
    assert schema_errors(data) == []


@pytest.mark.parametrize("data", INVALID.values(), ids=INVALID.keys())
def test_an_invalid_submission_is_invalid_for_both(data):
    assert validate_submission(EVERY_TYPE, data)[1] != {}
    assert schema_errors(data) != []


def test_the_subset_checker_refuses_keywords_it_does_not_check():
    with pytest.raises(AssertionError, match="not checked"):
        jsonschema_subset.check_schema({"type": "number", "multipleOf": 0.01})
