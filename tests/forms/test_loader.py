"""Loading definition files: every shipped file loads; every designer mistake names file, field and reason."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from forms.loader import DEFINITIONS_DIR, form_ids, load_form, load_form_file, load_forms
from forms.model import FormError

DEFINITION_FILES = sorted(DEFINITIONS_DIR.glob("*.json"))
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("path", DEFINITION_FILES, ids=[p.name for p in DEFINITION_FILES])
def test_every_shipped_definition_loads(path):
    form = load_form_file(path)
    assert form.id == path.stem
    assert form.fields


def test_the_definitions_directory_is_not_empty_and_loads_as_a_whole():
    assert DEFINITION_FILES, "forms/definitions has no .json file"
    forms = load_forms()
    assert set(forms) == form_ids() == {p.stem for p in DEFINITION_FILES}


def label(text: str) -> dict[str, str]:
    return {"fa": f"«{text}»", "en": text}


def base() -> dict[str, Any]:
    return {
        "id": "sample_form",
        "title": label("Sample"),
        "fields": [
            {"name": "title", "type": "text", "required": True, "label": label("Title")},
            {"name": "count", "type": "integer", "label": label("Count")},
            {"name": "pick", "type": "choice", "label": label("Pick"),
             "choices": [{"value": "a", "label": label("A")}, {"value": "b", "label": label("B")}]},
            {"name": "rows", "type": "records", "label": label("Rows"),
             "fields": [{"name": "amount", "type": "money", "label": label("Amount")}]},
        ],
    }


def write(tmp_path: Path, doc: Any, stem: str = "sample_form") -> Path:
    path = tmp_path / f"{stem}.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_base_document_of_these_tests_is_valid(tmp_path):
    form = load_form_file(write(tmp_path, base()))
    assert [f.name for f in form.fields] == ["title", "count", "pick", "rows"]
    assert form.fields[3].fields[0].options == {"min": 0}


def edit(change: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def apply(doc: dict[str, Any]) -> dict[str, Any]:
        doc = copy.deepcopy(doc)
        change(doc)
        return doc
    return apply


def field(index: int) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda doc: doc["fields"][index]


MISTAKES: list[tuple[str, Callable[[dict[str, Any]], None], str | None, str]] = [
    ("unknown type", lambda d: field(0)(d).update(type="textt"), "title",
     'unknown type "textt"; did you mean "text"?'),
    ("missing type", lambda d: field(0)(d).pop("type"), "title", 'needs a "type"'),
    ("missing fa label", lambda d: field(1)(d)["label"].pop("fa"), "count", '"label" is missing the "fa" text'),
    ("missing en label", lambda d: field(1)(d)["label"].pop("en"), "count", '"label" is missing the "en" text'),
    ("blank label", lambda d: field(1)(d)["label"].update(en="  "), "count", '"label" is missing the "en" text'),
    ("no label", lambda d: field(1)(d).pop("label"), "count", 'needs a "label"'),
    ("third language", lambda d: field(1)(d)["label"].update(ar="x"), "count", 'unknown language "ar"'),
    ("duplicate name", lambda d: field(1)(d).update(name="title"), "title", "used by an earlier field"),
    ("capital name", lambda d: field(1)(d).update(name="Count"), "Count", "is not a valid name"),
    ("name with space", lambda d: field(1)(d).update(name="the count"), "the count", "is not a valid name"),
    ("keyword name", lambda d: field(1)(d).update(name="class"), "class", '"class" is reserved'),
    ("typename", lambda d: field(1)(d).update(name="typename"), "typename", '"typename" is reserved'),
    ("no name", lambda d: field(1)(d).pop("name"), "#2", 'needs a "name"'),
    ("misspelt key", lambda d: field(0)(d).update(requried=True), "title",
     'unknown key "requried" (did you mean "required"?)'),
    ("key of another type", lambda d: field(0)(d).update(places=2), "title", '"places" is not used by this type'),
    ("required not boolean", lambda d: field(0)(d).update(required="yes"), "title", '"required" must be true or false'),
    ("choice without choices", lambda d: field(2)(d).pop("choices"), "pick", 'needs "choices"'),
    ("empty choices", lambda d: field(2)(d).update(choices=[]), "pick", 'needs "choices"'),
    ("duplicate choice", lambda d: field(2)(d)["choices"][1].update(value="a"), "pick",
     'choice #2: the value "a" is used by an earlier choice'),
    ("choice without label", lambda d: field(2)(d)["choices"][0].pop("label"), "pick", 'choice #1: needs a "label"'),
    ("choice label in one language", lambda d: field(2)(d)["choices"][0]["label"].pop("en"), "pick",
     'choice #1: "label" is missing the "en" text'),
    ("min above max", lambda d: field(1)(d).update(min=10, max=5), "count", '"min" (10) is greater than "max" (5)'),
    ("fractional bound on integer", lambda d: field(1)(d).update(max=2.5), "count", '"max" must be a whole number'),
    ("records without columns", lambda d: field(3)(d).pop("fields"), "rows", 'a records field needs "fields"'),
    ("records with no columns", lambda d: field(3)(d).update(fields=[]), "rows", '"fields" must be a non-empty list'),
    ("nested records", lambda d: field(3)(d)["fields"].append(
        {"name": "inner", "type": "records", "label": label("Inner"), "fields": [
            {"name": "x", "type": "text", "label": label("X")}]}),
     "rows.inner", "records do not nest"),
    ("duplicate column", lambda d: field(3)(d)["fields"].append(
        {"name": "amount", "type": "text", "label": label("Again")}), "rows.amount", "used by an earlier column"),
    ("mistake in a column", lambda d: field(3)(d)["fields"][0].update(typ="x"), "rows.amount",
     'unknown key "typ" (did you mean "type"?)'),
    ("id is not the file name", lambda d: d.update(id="other_form"), None,
     '"id" is "other_form"; it must be the file name without .json ("sample_form")'),
    ("misspelt form key", lambda d: d.update(titel=d["title"]), None, 'unknown key "titel" (did you mean "title"?)'),
    ("no title", lambda d: d.pop("title"), None, 'needs a "title"'),
    ("no fields", lambda d: d.pop("fields"), None, '"fields" must be a non-empty list'),
    ("field not an object", lambda d: d["fields"].append("oops"), "#5", "must be an object"),
    ("percent beyond 100", lambda d: d["fields"].append(
        {"name": "share", "type": "percent", "max": 150, "label": label("Share")}), "share",
     '"max" must be from 0 to 100 for a percent field'),
    ("negative money", lambda d: field(3)(d)["fields"][0].update(min=-5), "rows.amount",
     '"min" must be at least 0 for a money field'),
    ("bound finer than places", lambda d: d["fields"].append(
        {"name": "rate", "type": "decimal", "places": 1, "min": 0.25, "label": label("Rate")}), "rate",
     '"min" has more decimal places than "places" (1)'),
    ("places out of range", lambda d: d["fields"].append(
        {"name": "rate", "type": "decimal", "places": 9, "label": label("Rate")}), "rate",
     '"places" must be a whole number from 0 to 6'),
    ("max_length zero", lambda d: field(0)(d).update(max_length=0), "title", '"max_length" must be a whole number'),
    ("min_items above max_items", lambda d: field(3)(d).update(min_items=3, max_items=2), "rows",
     '"min_items" (3) is greater than "max_items" (2)'),
    ("more required items than choices", lambda d: d["fields"].append(
        {"name": "tags", "type": "multi_choice", "min_items": 3, "label": label("Tags"),
         "choices": [{"value": "a", "label": label("A")}]}),
     "tags", '"min_items" (3) is more than the number of choices'),
    ("item counts on a single file", lambda d: d["fields"].append(
        {"name": "doc", "type": "file", "max_items": 2, "label": label("Doc")}), "doc",
     '"min_items" and "max_items" need "multiple": true'),
    ("bad MIME type", lambda d: d["fields"].append(
        {"name": "doc", "type": "file", "accept": ["pdf"], "label": label("Doc")}), "doc",
     '"accept": "pdf" is neither a lowercase MIME type'),
    ("default not a choice", lambda d: field(2)(d).update(default="c"), "pick",
     '"default" is invalid: “c” is not one of the choices: A, B.'),
    ("default of the wrong type", lambda d: field(1)(d).update(default="many"), "count",
     '"default" is invalid: Must be a number.'),
    ("default with required", lambda d: field(0)(d).update(default="x"), "title",
     '"default" and "required": true cannot go together'),
    ("default on records", lambda d: field(3)(d).update(default=[]), "rows",
     '"default" is not supported for records fields'),
]


@pytest.mark.parametrize("change, field_name, reason", [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_each_mistake_names_the_file_the_field_and_the_reason(tmp_path, change, field_name, reason):
    path = write(tmp_path, edit(change)(base()))
    with pytest.raises(FormError) as caught:
        load_form_file(path)
    text = str(caught.value)
    assert str(path) in text
    assert reason in text
    problem = next(p for p in caught.value.problems if reason in p.message)
    assert problem.file == str(path)
    assert problem.field == field_name
    if field_name is not None:
        assert f'field "{field_name}"' in text


def test_every_mistake_in_a_file_is_reported_not_only_the_first(tmp_path):
    doc = base()
    doc["fields"][0]["type"] = "txt"
    doc["fields"][1]["label"].pop("fa")
    doc["fields"][2]["requried"] = True
    with pytest.raises(FormError) as caught:
        load_form_file(write(tmp_path, doc))
    assert [p.field for p in caught.value.problems] == ["title", "count", "pick"]


def test_invalid_json_gives_the_line_and_column(tmp_path):
    path = write(tmp_path, '{"id": "sample_form",\n  "title": {"fa": "الف", "en": "A"}\n  "fields": []}')
    with pytest.raises(FormError) as caught:
        load_form_file(path)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (3, 3)
    assert str(problem) == f"{path}:3:3: not valid JSON: Expecting ',' delimiter"


def test_a_key_given_twice_in_one_object_is_reported(tmp_path):
    text = json.dumps(base()).replace('"required": true', '"required": true, "required": false')
    with pytest.raises(FormError, match='field "title": key "required" is given more than once'):
        load_form_file(write(tmp_path, text))


def test_nan_and_non_utf8_files_are_refused(tmp_path):
    with pytest.raises(FormError, match="NaN is not a number JSON allows"):
        load_form_file(write(tmp_path, json.dumps(base()).replace('"required": true', '"max_length": NaN')))
    path = tmp_path / "latin1.json"
    path.write_bytes('{"id": "caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(FormError, match="is not UTF-8 text"):
        load_form_file(path)


def test_a_byte_order_mark_is_tolerated(tmp_path):
    path = tmp_path / "sample_form.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(base()).encode())
    assert load_form_file(path).id == "sample_form"


def test_load_forms_lists_the_problems_of_every_file(tmp_path):
    write(tmp_path, base())
    write(tmp_path, edit(lambda d: d.update(id="wrong"))(base()), stem="second_form")
    write(tmp_path, "{", stem="third_form")
    (tmp_path / "notes.txt").write_text("not a definition")
    with pytest.raises(FormError) as caught:
        load_forms(tmp_path)
    assert [Path(p.file).name for p in caught.value.problems] == ["second_form.json", "third_form.json"]
    assert form_ids(tmp_path) == {"sample_form", "second_form", "third_form"}
    with pytest.raises(FormError, match="is not a directory"):
        load_forms(tmp_path / "missing")


def test_a_file_name_that_cannot_be_a_form_id_is_refused(tmp_path):
    with pytest.raises(FormError, match="file name: \"Sample-Form\" is not a valid name"):
        load_form_file(write(tmp_path, edit(lambda d: d.update(id="Sample-Form"))(base()), stem="Sample-Form"))


def test_the_loaded_definition_fills_in_documented_defaults():
    form = load_form_file(FIXTURES / "every_type.json")
    assert form.field("title").options == {"max_length": 20}
    assert form.field("summary").options == {"max_length": 10000}
    assert form.field("budget_estimate").options == {"min": 0, "places": 2}
    assert form.field("progress").options == {"places": 1, "min": 0, "max": 100}
    assert form.field("confirmed").default is False
    assert form.field("horizon").default == "medium"
    assert form.field("request_letter").options == {"accept": ("application/pdf", "image/*", ".docx"),
                                                    "multiple": False}
    assert [c.name for c in form.field("rows").fields] == ["action", "budget", "due"]
    with pytest.raises(KeyError):
        form.field("nothing")


def test_load_form_rereads_a_changed_file_and_refuses_paths(tmp_path):
    path = write(tmp_path, base())
    first = load_form("sample_form", tmp_path)
    assert load_form("sample_form", tmp_path) is first
    path.write_text(json.dumps(edit(lambda d: d.update(title=label("Changed title")))(base())), encoding="utf-8")
    assert load_form("sample_form", tmp_path).title["en"] == "Changed title"
    for bad in ("../sample_form", "missing_form"):
        with pytest.raises(FormError):
            load_form(bad, tmp_path)
