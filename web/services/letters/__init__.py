"""Official letters: templates (``processes/letters/``) rendered in the sandbox, numbered per province and
Jalali year in the transaction of the step that issues them, printed as PDF, checked by a public code."""
from .issuing import issue_for_task, issue_letter
from .kinds import LetterKind, check_template, letter_kinds
from .numbering import next_number
from .verification import public_letter

__all__ = ["LetterKind", "check_template", "issue_for_task", "issue_letter", "letter_kinds", "next_number",
           "public_letter"]
