"""Free text about case pupils must not identify them: no dates of birth, no candidate numbers.

Case pupils are labels (Pupil A) and descriptors of the group they typify. What teachers write
about them (predictions, observations, pupil voice, the post-lesson discussion) is shared across
schools and goes into reports, so text that holds a date of birth or a Scottish Candidate Number
is refused with the reason, at the field. Every such field uses this one check: the WTForms
validator `NoPupilIdentifiers`, or `problem_in()` where a form is read by hand (the plan, the
discussion).

The rules are written to refuse what identifies a child and to pass what teachers write all day:
times (10:45), Leuven levels (4/5), fractions (3/5, 3/4 of the class), stage numbers (2.1),
years alone (2026), counting (5-10-15) and ordinary numbers, even long ones (345678 in a
place-value lesson). tests/test_pupil_details.py holds a table of both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from string import ascii_letters

from wtforms.validators import ValidationError

HINT = "Use the pupil's label. No names, dates of birth or candidate numbers."
ADVICE = "Write about the pupil by their label (such as Pupil A) and leave out dates of birth and candidate numbers."

# A case pupil is a child or young person: from ELC (about two years old at the youngest) to the
# end of school, and CLD's young people up to 25. A full date in the years they were born may be a
# date of birth; a date of last year or later (the last lesson, a due date) or long ago (history)
# is not, so teachers can still date what they write.
OLDEST_PUPIL = 25
YOUNGEST_PUPIL = 2

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"

# Words that only a date of birth comes with: "DOB", "D.O.B.", "date of birth", "birth date",
# "born on ...", "born in March", "born (in) 2015". Refused whatever follows, because what
# follows them is the child's birthday.
_BIRTH_WORDS = re.compile(
    r"\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bbirth\s*date\b|\bborn\s+on\b"
    rf"|\bborn\s+(?:in\s+)?(?:{_MONTH}|\d{{4}})(?!\w)",
    re.IGNORECASE,
)

# Day, month and year in figures, as Scottish schools write them: 12/03/2015, 12-03-15, 12.3.2015.
# The same separator twice, and not part of a longer run of figures (a version number, an IP
# address, a counting sequence such as 2-4-6-8). Day first: no one here writes month first, and
# reading 12-14-16 as a date would catch counting in twos.
_FIGURES = re.compile(
    r"(?<!\d)(?<!\d[/.-])(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})(?![/.-]?\d)"
)

# Year first, as forms and spreadsheets write dates: 2015-03-12, 2015/3/12.
_YEAR_FIRST = re.compile(
    r"(?<!\d)(?<!\d[/.-])(?P<year>\d{4})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?![/.-]?\d)"
)

# In words: 12 March 2015, 12th of March 2015, March 12, 2015. A four-figure year only: "on 12
# March 15 pupils..." is a sentence, not a date.
_WORDS = re.compile(
    rf"\b(?P<day>{_DAY})\s+(?:of\s+)?(?P<month>{_MONTH}),?\s+(?P<year>\d{{4}})\b"
    rf"|\b(?P<month2>{_MONTH})\s+(?P<day2>{_DAY}),?\s+(?P<year2>\d{{4}})\b",
    re.IGNORECASE,
)

# A Scottish Candidate Number is nine figures. Nine figures on their own are refused (as pasted
# from the management information system); grouped ones (123 456 789) only after "SCN" or
# "candidate (number)", because "counted 100 200 300" is nine figures in groups too. A number
# with commas (123,456,789) is an ordinary number.
_NINE_FIGURES = re.compile(r"(?<![\d,.])\d{9}(?![\d]|[,.]\d)")
_NAMED_NUMBER = re.compile(
    r"\b(?:SCN|(?:scottish\s+)?candidate(?:\s+(?:number|no\.?|num\.?))?|pupil\s+(?:number|no\.?|id))"
    r"\s*[:#.]?\s*(?:is\s+)?\d(?:[ -]?\d){4,}",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Identifier:
    """What in a text looks like it identifies a pupil, and what kind of thing it looks like."""

    kind: str  # "date of birth" or "Scottish Candidate Number"
    found: str  # the words that look like it, to show the writer where

    @property
    def message(self) -> str:
        return f"This looks like a {self.kind} (“{self.found}”). {ADVICE}"


def _full_year(figures: str, today: date) -> int:
    """A two-figure year is this century's unless that would be in the future."""
    year = int(figures)
    if len(figures) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def _could_be_a_birthday(day: int, month: int, year: int, today: date) -> bool:
    return (
        1 <= day <= 31
        and 1 <= month <= 12
        and today.year - OLDEST_PUPIL <= year <= today.year - YOUNGEST_PUPIL
    )


def _dates(text: str, today: date):
    for match in _FIGURES.finditer(text):
        day, month, year = match["day"], match["month"], match["year"]
        # With a two-figure year, a dash or a dot needs two-figure day and month (05-10-15):
        # "counted 5-10-15" is counting in fives.
        if len(year) == 2 and match["sep"] != "/" and (len(day) < 2 or len(month) < 2):
            continue
        yield match, int(day), int(month), _full_year(year, today)
    for match in _YEAR_FIRST.finditer(text):
        yield match, int(match["day"]), int(match["month"]), int(match["year"])
    for match in _WORDS.finditer(text):
        day, month, year = (
            (match["day"], match["month"], match["year"])
            if match["day"]
            else (match["day2"], match["month2"], match["year2"])
        )
        # The day without its ordinal ("3rd" is 3).
        yield match, int(day.rstrip(ascii_letters)), _MONTHS[month[:3].lower()], int(year)


def identifier_in(text: str | None, today: date | None = None) -> Identifier | None:
    """The first thing in `text` that looks like a date of birth or a candidate number, or None."""
    if not text:
        return None
    today = today or date.today()
    if match := _BIRTH_WORDS.search(text):
        return Identifier("date of birth", match.group().strip())
    for match, day, month, year in _dates(text, today):
        if _could_be_a_birthday(day, month, year, today):
            return Identifier("date of birth", match.group())
    if match := (_NAMED_NUMBER.search(text) or _NINE_FIGURES.search(text)):
        return Identifier("Scottish Candidate Number", match.group())
    return None


def problem_in(text: str | None, today: date | None = None) -> str | None:
    """The message to show at a field whose text identifies a pupil, or None: for forms read by hand."""
    found = identifier_in(text, today)
    return found.message if found else None


class NoPupilIdentifiers:
    """WTForms validator for every free-text field written about case pupils."""

    def __call__(self, form, field):
        if message := problem_in(field.data if isinstance(field.data, str) else None):
            raise ValidationError(message)
