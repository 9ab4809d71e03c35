"""What a loaded form definition looks like, and the error a bad definition raises.

Definitions are made by :func:`forms.loader.load_form_file`, which checks them;
the classes here do not check anything themselves.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from typing import Any, Mapping

LOCALES = ("fa", "en")
"""The languages every label and help text must be given in, Persian first."""

TYPES = (
    "text", "long_text", "integer", "decimal", "money", "percent", "date",
    "boolean", "choice", "multi_choice", "file", "records",
    "national_id", "company_id", "postal_code", "mobile", "user",
)
"""The field types a definition may use (``type`` of a field)."""

# Option keys each type takes besides name, type, label, help, required, default.
TYPE_OPTIONS: dict[str, frozenset[str]] = {
    "text": frozenset({"max_length"}),
    "long_text": frozenset({"max_length"}),
    "integer": frozenset({"min", "max"}),
    "decimal": frozenset({"min", "max", "places"}),
    "money": frozenset({"min", "max"}),
    "percent": frozenset({"min", "max", "places"}),
    "date": frozenset(),
    "boolean": frozenset(),
    "choice": frozenset({"choices", "options_from"}),
    "multi_choice": frozenset({"choices", "options_from", "min_items", "max_items"}),
    "file": frozenset({"accept", "multiple", "min_items", "max_items"}),
    "records": frozenset({"fields", "min_items", "max_items"}),
    "national_id": frozenset(),
    "company_id": frozenset(),
    "postal_code": frozenset(),
    "mobile": frozenset(),
    "user": frozenset({"role", "multiple", "min_items", "max_items"}),
}
COMMON_KEYS = frozenset({"name", "type", "label", "help", "required", "default"})
FORM_KEYS = frozenset({"id", "title", "help", "fields", "rules", "context"})

DEFAULT_MAX_LENGTH = {"text": 500, "long_text": 10000}
DEFAULT_PLACES = 2
MAX_PLACES = 6

# JavaScript (the browser, most JSON clients) holds integers exactly only up
# to 2**53 - 1, so whole numbers beyond it are refused rather than corrupted.
MAX_SAFE_INTEGER = 2**53 - 1
# A float keeps any decimal of at most 15 significant digits exactly (its
# shortest repr gives the same digits back), so decimal and percent values are
# limited to 15 digits and stored as JSON numbers without rounding surprises.
SIGNIFICANT_DIGITS = 15


@dataclass(frozen=True)
class FieldDefinition:
    """One field of a form, as the definition file gives it (checked).

    ``label`` and ``help`` map each of :data:`LOCALES` to a text. ``options``
    holds the type's other keys, with their documented defaults filled in:
    ``max_length`` (text 500, long_text 10000), ``places`` (decimal and
    percent, 2), ``min``/``max`` for percent (0 and 100) and ``min`` for money
    (0), ``multiple`` for file (False), and ``default`` False for a boolean
    that is not required (an unticked checkbox means no). ``choices`` is a
    tuple of ``{"value": str, "label": {"fa": ..., "en": ...}}``; ``accept``
    (file) a tuple of MIME types and ``.ext`` extensions, as HTML's ``accept``
    attribute takes them. ``default`` is already in its clean form. ``fields``
    holds the columns of a ``records`` field and is empty for other types.
    A ``choice``/``multi_choice`` has either ``choices`` or ``options_from``
    (``{"case": <list in the case data>, "value": <key>, "label": <key>,
    "where": {<key>: <value>}}``: its choices come from the case); a ``user``
    field has ``role`` (who may be picked: active users holding it in the
    case's province) and ``multiple`` (False).
    """

    name: str
    type: str
    label: Mapping[str, str]
    help: Mapping[str, str] | None = None
    required: bool = False
    options: Mapping[str, Any] = dataclass_field(default_factory=dict)
    fields: tuple[FieldDefinition, ...] = ()

    @property
    def default(self) -> Any:
        """The value used when the field is left empty, or None if it has none."""
        return self.options.get("default")

    @property
    def has_default(self) -> bool:
        return "default" in self.options


@dataclass(frozen=True)
class FormDefinition:
    """A checked form definition; ``source`` is the file it came from.

    ``rules`` are the checked cross-field and case-data rules (see :mod:`forms.rules`).

    ``digest`` is a hash of the content (not of ``source``): two definitions
    with the same digest validate and render the same way.
    """

    id: str
    title: Mapping[str, str]
    help: Mapping[str, str] | None
    fields: tuple[FieldDefinition, ...]
    rules: tuple[Mapping[str, Any], ...] = ()
    source: str = "<memory>"
    # ids of other forms whose data the person filling this one needs in view (see web/services/case_file.py)
    context: tuple[str, ...] = ()
    digest: str = dataclass_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", "")
        content = asdict(self)
        content.pop("source", None)
        content.pop("digest", None)
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        object.__setattr__(self, "digest", hashlib.sha256(text.encode()).hexdigest())

    def field(self, name: str) -> FieldDefinition:
        """The field called ``name``.

        :raise KeyError: if the form has no such field.
        """
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


@dataclass(frozen=True)
class FormProblem:
    """One mistake in a definition file: the file, where in it, and what is wrong.

    ``field`` is the field's name, dotted for a column of a records field
    (``"budget.amount"``); None for a problem with the form as a whole.
    ``line`` and ``column`` are known only for JSON syntax errors.
    """

    file: str
    field: str | None
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column}"
        if self.field is not None:
            where += f': field "{self.field}"'
        return f"{where}: {self.message}"


class FormError(Exception):
    """One or more form definition files are invalid; ``problems`` lists every one.

    ``str(error)`` has one line per problem, each naming the file, the field
    and the reason.
    """

    def __init__(self, problems: list[FormProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid form definition")
