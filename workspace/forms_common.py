"""Field helpers shared by every blueprint's forms."""

import re
from datetime import date

from wtforms import DateField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; its stubs stop at 3.2
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options WTForms expects."""
    return [SelectChoice(value=str(value), label=label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A choice of several, as a list of checkboxes (a trio's members, tags, a report's schools)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


MAX_ID = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value) -> int | None:
    """A whole number as a database can hold it, from text a person or a program sent; else None.

    str.isdigit() accepts "²", which int() refuses; and an id past 2**31 overflows an INTEGER column."""
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    if value is None or not _DIGITS.fullmatch(str(value)):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def optional_int(value):
    """Select values arrive as text; an empty choice means None."""
    if value in (None, "", "None"):
        return None
    number = parse_id(value)
    if number is None:
        raise ValueError("not a whole number")
    return number


class OptionalIntSelectField(SelectField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", optional_int)
        kwargs.setdefault("validate_choice", True)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        # A bad id (text, or another partnership's school) is "not a valid choice", not a crash.
        if self.data is None and self.raw_data and self.raw_data[0] not in ("", "None"):
            raise ValidationError(self.gettext("Not a valid choice."))
        super().pre_validate(form)


def form_errors_from(error, form) -> None:
    """Puts a service's ServiceError on the field it names, or on the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors or []) + [error.message]
    else:
        form.form_errors.append(error.message)


def too_long(limit: int) -> str:
    """What a person reads when their text is over a field's limit (GOV.UK's character count)."""
    return f"Enter {limit:,} characters or fewer."


class CharacterLimit:
    """At most `limit` characters, answered with a message, never cut.

    WTForms' Length puts a maxlength attribute on the field, and a browser then cuts pasted text
    at the limit without a word. This flags the field with its limit instead (`character_limit`):
    the form macro writes it as data-maxlength, which the character count script reads."""

    def __init__(self, limit: int):
        self.limit = limit
        self.field_flags = {"character_limit": limit}

    def __call__(self, form, field):
        if field.data is not None and len(field.data) > self.limit:
            raise ValidationError(too_long(self.limit))


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# What <input type="date"> sends (2027-03-27), and what a person types where a browser shows a
# plain text box instead: day, month and year (27 3 2027, 27/03/2027, 27.3.2027).
_YEAR_FIRST = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DAY_FIRST = re.compile(r"([0-9]{1,2})[ /.-]+([0-9]{1,2})[ /.-]+([0-9]{4})")
DATE_EXAMPLE = "27/03/2027"  # as the date picker shows it in a British browser


def read_date(text: str | None) -> tuple[date | None, str | None]:
    """The date in `text`, or the plain words that say what is wrong with it; (None, None) when
    it is empty. A date the calendar does not have (31 February) is named as such."""
    text = (text or "").strip()
    if not text:
        return None, None
    if shape := _YEAR_FIRST.fullmatch(text):
        year, month, day = (int(part) for part in shape.groups())
    elif shape := _DAY_FIRST.fullmatch(text):
        day, month, year = (int(part) for part in shape.groups())
    else:
        return None, f"Enter the date as day, month and year, for example {DATE_EXAMPLE}."
    try:
        return date(year, month, day), None
    except ValueError:
        said = f"{day} {_MONTHS[month - 1]} {year}" if 1 <= month <= 12 and year >= 1 else text
        return None, f"{said} is not a real date. Enter a real date, for example {DATE_EXAMPLE}."


class CalendarDateField(DateField):
    """A DateField whose refusal says what is wrong in plain words (read_date)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data, problem = read_date(" ".join(valuelist))
        if problem:
            raise ValueError(problem)


IMPLAUSIBLE_DATE = f"Enter a date between 2000 and 2100, for example {DATE_EXAMPLE}."


class PlausibleDate:
    """School dates fall between 2000 and 2100; anything else is a typing slip."""

    def __init__(self, message: str = IMPLAUSIBLE_DATE):
        self.message = message

    def __call__(self, form, field):
        if field.data is not None and not 2000 <= field.data.year <= 2100:
            raise ValidationError(self.message)


def plausible_year(value) -> bool:
    return value is None or 2000 <= value.year <= 2100
