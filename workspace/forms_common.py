"""Field helpers shared by every blueprint's forms."""
import re

from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the options WTForms expects."""
    return [SelectChoice(value=str(value), label=label) for value, label in pairs]


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


class PlausibleDate:
    """School dates fall between 2000 and 2100; anything else is a typing slip."""

    def __init__(self, message: str = "Enter a date between 2000 and 2100, for example 2026-11-24."):
        self.message = message

    def __call__(self, form, field):
        if field.data is not None and not 2000 <= field.data.year <= 2100:
            raise ValidationError(self.message)


def plausible_year(value) -> bool:
    return value is None or 2000 <= value.year <= 2100
