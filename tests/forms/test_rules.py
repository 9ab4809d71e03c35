"""Declarative form rules, choices from the case and users: checked when loaded, applied on submit."""
from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from forms.checks import check_form
from forms.context import ValidationContext
from forms.marshmallow_schema import validate_submission
from forms.model import FormDefinition, FormError


def _label(name: str) -> dict[str, str]:
    return {"fa": name, "en": name}


def _fields(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for spec in specs:
        spec = {"label": _label(spec["name"]), **spec}
        if "fields" in spec:
            spec["fields"] = _fields(spec["fields"])
        out.append(spec)
    return out


def raw_form(fields: list[dict[str, Any]], rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": "sample", "title": _label("sample"), "fields": _fields(fields)}
    if rules is not None:
        doc["rules"] = rules
    return doc


def form(fields: list[dict[str, Any]], rules: list[dict[str, Any]] | None = None) -> FormDefinition:
    definition, problems = check_form(raw_form(fields, rules), "sample", "sample.json")
    if definition is None:
        raise FormError(problems)
    return definition


def msg(text: str) -> dict[str, str]:
    return {"fa": f"fa: {text}", "en": text}


MINUTES = form([
    {"name": "held_on", "type": "date", "required": True},
    {"name": "present", "type": "integer", "required": True},
    {"name": "yes", "type": "integer", "required": True},
    {"name": "no", "type": "integer"},
], [
    {"kind": "sum_at_most", "field": "present", "parts": ["yes", "no"], "message": msg("too many votes")},
    {"kind": "not_future", "field": "held_on", "message": msg("held in the future")},
])
TODAY = ValidationContext(today=date(2026, 3, 21))   # 1405/01/01


def check(definition, data, context=TODAY, locale="en"):
    return validate_submission(definition, data, locale, context)


def test_counts_at_most_another_field_and_a_date_not_in_the_future():
    ok = {"held_on": "1405/01/01", "present": 5, "yes": 3, "no": 2}
    assert check(MINUTES, ok) == ({**ok}, {})
    assert check(MINUTES, {**ok, "no": 3}) == ({}, {"present": ["too many votes"]})
    assert check(MINUTES, {**ok, "no": None}) == ({"held_on": "1405/01/01", "present": 5, "yes": 3}, {})
    assert check(MINUTES, {**ok, "held_on": "۱۴۰۵/۰۱/۰۲"}) == ({}, {"held_on": ["held in the future"]})
    assert check(MINUTES, {**ok, "held_on": "1405/01/02", "yes": 9}, locale="fa") == \
        ({}, {"present": ["fa: too many votes"], "held_on": ["fa: held in the future"]})
    # without today (no context) the date rule cannot be checked; field errors come first, rules after
    assert check(MINUTES, {**ok, "held_on": "1405/01/02"}, context=None)[1] == {}
    assert check(MINUTES, {**ok, "yes": "x", "no": 9})[1] == {"yes": ["Must be a number."]}


PLAN = form([
    {"name": "request_date", "type": "date"},
    {"name": "actions", "type": "records", "required": True, "fields": [
        {"name": "title", "type": "text", "required": True},
        {"name": "total", "type": "money", "required": True},
        {"name": "ours", "type": "money", "required": True},
        {"name": "theirs", "type": "money"},
        {"name": "start", "type": "date"},
        {"name": "end", "type": "date"},
    ]},
], [
    {"kind": "sum_equals", "records": "actions", "field": "total", "parts": ["ours", "theirs"],
     "message": msg("parts do not add up")},
    {"kind": "date_after", "records": "actions", "field": "end", "than": "start", "message": msg("ends first")},
    {"kind": "date_after", "records": "actions", "field": "start", "than": {"field": "request_date"},
     "or_equal": True, "message": msg("before the request")},
    {"kind": "unique", "records": "actions", "field": "title", "message": msg("same title")},
])


def test_rules_on_records_rows_are_reported_at_the_row_and_column():
    rows = [{"title": "a", "total": 100, "ours": 60, "theirs": 40},
            {"title": "b", "total": 100, "ours": 60, "theirs": 39, "start": "1405/02/01", "end": "1405/01/31"},
            {"title": "a", "total": 100, "ours": 100, "start": "1405/01/01"}]
    clean, errors = check(PLAN, {"request_date": "1405/01/15", "actions": rows})
    assert errors == {"actions.1.total": ["parts do not add up"], "actions.1.end": ["ends first"],
                      "actions.2.start": ["before the request"], "actions.2.title": ["same title"]}
    rows[1].update(theirs=40, end="1405/02/02")
    rows[2].update(title="c", start="1405/01/15")
    clean, errors = check(PLAN, {"request_date": "1405/01/15", "actions": rows})
    assert errors == {} and clean["actions"][2]["total"] == 100


def test_money_must_add_up_exactly():
    row = {"title": "a", "total": 1_000_000_000_001, "ours": 600_000_000_000, "theirs": 400_000_000_000}
    assert check(PLAN, {"actions": [row]})[1] == {"actions.0.total": ["parts do not add up"]}


COUNCIL = form([
    {"name": "members", "type": "records", "required": True, "fields": [
        {"name": "user", "type": "user", "role": "steering_council_member", "required": True},
        {"name": "seat", "type": "choice", "required": True, "choices": [
            {"value": "firm", "label": _label("firm")}, {"value": "other", "label": _label("other")}]},
    ]},
    {"name": "permit_date", "type": "date"},
], [
    {"kind": "min_rows", "field": "members", "min": 2, "where": {"seat": "firm"}, "message": msg("two firms")},
    {"kind": "date_after", "field": "permit_date", "than": {"case": "request.date"}, "or_equal": True,
     "message": msg("permit before the request")},
])


def people(role):
    assert role == "steering_council_member"
    return [("ali", "علی رضایی"), ("mina", "مینا کاظمی"), ("reza", "رضا نوری")]


def test_users_must_be_among_the_people_the_context_gives_and_rows_of_a_kind_are_counted():
    context = ValidationContext(case={"request": {"date": "1405/01/10"}}, users=people)
    members = [{"user": "ali", "seat": "firm"}, {"user": "mina", "seat": "other"}]
    assert check(COUNCIL, {"members": members}, context)[1] == {"members": ["two firms"]}
    members.append({"user": "ghost", "seat": "firm"})
    assert check(COUNCIL, {"members": members}, context)[1] == {
        "members.2.user": ["“ghost” is not an active user holding the required role in this province."]}
    members[2]["user"] = "reza"
    assert check(COUNCIL, {"members": members, "permit_date": "1405/01/09"}, context)[1] == {
        "permit_date": ["permit before the request"]}
    assert check(COUNCIL, {"members": members, "permit_date": "1405/01/10"}, context)[1] == {}
    # without a case value the rule waits; without a users lookup any name of the right shape passes
    assert check(COUNCIL, {"members": members, "permit_date": "1400/01/01"}, ValidationContext(users=people))[1] == {}
    assert check(COUNCIL, {"members": [{"user": "x", "seat": "firm"}] * 2}, None)[1] == {}


PROPOSAL = form([
    {"name": "picked", "type": "records", "required": True, "fields": [
        {"name": "code", "type": "choice", "required": True,
         "options_from": {"case": "ranking", "value": "code", "label": "name", "where": {"eligible": True}}},
    ]},
    {"name": "favourites", "type": "multi_choice", "options_from": {"case": "ranking", "value": "code"}},
    {"name": "first", "type": "text"},
], [
    {"kind": "one_of_case", "field": "first", "case": "ranking", "value": "code", "where": {"eligible": True},
     "message": msg("not an eligible candidate")},
    {"kind": "unique", "records": "picked", "field": "code", "message": msg("picked twice")},
])
RANKING = ValidationContext(case={"ranking": [
    {"code": "TH-01", "name": "مبلمان", "eligible": True}, {"code": "TH-03", "name": "سفال", "eligible": False},
    {"code": "TH-02", "name": "پوشاک", "eligible": True}]})


def test_choices_from_the_case_and_values_among_case_rows():
    assert check(PROPOSAL, {"picked": [{"code": "TH-02"}], "favourites": ["TH-03", "TH-01"], "first": "TH-01"},
                 RANKING) == ({"picked": [{"code": "TH-02"}], "favourites": ["TH-03", "TH-01"], "first": "TH-01"}, {})
    assert check(PROPOSAL, {"picked": [{"code": "TH-03"}, {"code": "TH-09"}]}, RANKING)[1] == {
        "picked.0.code": ["“TH-03” is not one of this case's choices."],
        "picked.1.code": ["“TH-09” is not one of this case's choices."]}
    assert check(PROPOSAL, {"picked": [{"code": "TH-01"}], "first": "TH-03"}, RANKING)[1] == {
        "first": ["not an eligible candidate"]}
    assert check(PROPOSAL, {"picked": [{"code": "TH-01"}, {"code": "TH-01"}]}, RANKING)[1] == {
        "picked.1.code": ["picked twice"]}
    assert check(PROPOSAL, {"picked": [{"code": "TH-01"}], "favourites": ["TH-01", "TH-01"]}, RANKING)[1] == {
        "favourites": ["“TH-01” is given more than once."]}


def test_compare_with_a_left_operand_sum():
    firms = form([{"name": "micro", "type": "integer"}, {"name": "small", "type": "integer"}], [
        {"kind": "compare", "field": "micro", "left": {"sum": ["micro", "small"]}, "op": ">", "than": {"value": 0},
         "message": msg("no firms")}])
    assert check(firms, {"micro": 0, "small": 0})[1] == {"micro": ["no firms"]}
    assert check(firms, {"micro": 0, "small": 1})[1] == {}


@pytest.mark.parametrize("rule, problem", [
    ({"kind": "sum_equal", "field": "total", "message": msg("x")}, "rule #1 (sum_equal): unknown kind 'sum_equal' (did you mean \"sum_equals\"?)"),
    ({"kind": "sum_equals", "field": "totl", "parts": ["a"], "message": msg("x")},
     "rule #1 (sum_equals): \"field\": 'totl' is not a field of this form"),
    ({"kind": "sum_equals", "field": "total", "parts": ["a", "nope"], "message": msg("x")},
     "rule #1 (sum_equals): 'nope' is not a field (or column) of this form"),
    ({"kind": "sum_equals", "field": "total", "parts": ["a"], "message": {"fa": "x"}},
     "rule #1 (sum_equals): needs \"message\": {\"fa\": \"...\", \"en\": \"...\"} (both texts, nothing else)"),
    ({"kind": "sum_equals", "field": "when", "parts": ["a"], "message": msg("x")},
     "rule #1 (sum_equals): \"field\" 'when' is a date field; this rule needs a number"),
    ({"kind": "compare", "field": "a", "op": "=>", "than": "total", "message": msg("x")},
     "rule #1 (compare): \"op\" must be one of ==, !=, <, <=, >, >="),
    ({"kind": "compare", "field": "a", "op": "<", "than": {"python": "a + 1"}, "message": msg("x")},
     "rule #1 (compare): {'python': 'a + 1'} is not an operand"),
    ({"kind": "not_future", "field": "a", "message": msg("x")},
     "rule #1 (not_future): \"field\" 'a' is a integer field; this rule needs a date"),
    ({"kind": "unique", "field": "a", "message": msg("x")},
     "rule #1 (unique): a unique rule needs \"records\""),
    ({"kind": "min_rows", "field": "rows", "min": 0, "where": {"colour": "red"}, "message": msg("x")},
     "rule #1 (min_rows): \"min\" must be a whole number of at least 1"),
    ({"kind": "min_rows", "field": "rows", "min": 1, "where": {"colour": "red"}, "message": msg("x")},
     "rule #1 (min_rows): \"where\": 'colour' is not a column of the records field"),
    ({"kind": "sum_equals", "records": "a", "field": "total", "parts": ["a"], "message": msg("x")},
     "rule #1 (sum_equals): \"records\": 'a' is not a records field of this form"),
    ({"kind": "one_of_case", "field": "a", "value": "code", "message": msg("x"), "extra": 1},
     "rule #1 (one_of_case): unknown key \"extra\" for a one_of_case rule"),
])
def test_a_wrong_rule_is_refused_naming_the_file_and_the_rule(rule, problem):
    fields = [{"name": "total", "type": "money"}, {"name": "a", "type": "integer"}, {"name": "when", "type": "date"},
              {"name": "rows", "type": "records", "fields": [{"name": "seat", "type": "text"}]}]
    definition, problems = check_form(raw_form(fields, [rule]), "sample", "forms/definitions/sample.json")
    assert definition is None
    assert any(str(p).startswith(f"forms/definitions/sample.json: {problem}") for p in problems), \
        [str(p) for p in problems]


@pytest.mark.parametrize("field, problem", [
    ({"name": "who", "type": "user"}, 'a user field needs "role"'),
    ({"name": "who", "type": "user", "role": "x", "min_items": 1}, '"min_items" and "max_items" need "multiple"'),
    ({"name": "c", "type": "choice", "options_from": {"case": "ranking"}}, '"options_from" needs "value"'),
    ({"name": "c", "type": "choice", "options_from": {"case": "r", "value": "v", "filter": {}}},
     '"options_from": unknown key "filter"'),
    ({"name": "c", "type": "choice", "options_from": {"case": "r", "value": "v"},
      "choices": [{"value": "a", "label": {"fa": "a", "en": "a"}}]}, 'give either "choices" or "options_from"'),
    ({"name": "c", "type": "choice", "options_from": {"case": "r", "value": "v"}, "default": "x"},
     '"default" is not supported for choice fields with "options_from"'),
])
def test_wrong_case_choices_and_user_fields_are_refused(field, problem):
    definition, problems = check_form(raw_form([field]), "sample", "sample.json")
    assert definition is None and any(problem in p.message for p in problems), [str(p) for p in problems]
