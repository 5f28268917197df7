from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from ..forms_common import (
    CalendarDateField,
    CharacterLimit,
    OptionalIntSelectField,
    PlausibleDate,
    choices,
    parse_id,
)


class EvaluationForm(FlaskForm):
    evaluated_on = CalendarDateField(
        "Date of the evaluation",
        validators=[InputRequired("Enter the date of the evaluation."), PlausibleDate()],
    )
    level = RadioField("Level", validators=[InputRequired("Choose a level.")])
    how_well = TextAreaField(
        "How well are we doing?",
        validators=[DataRequired("Answer “How well are we doing?”."), CharacterLimit(20000)],
    )
    how_know = TextAreaField("How do we know? What evidence do we have?", validators=[CharacterLimit(20000)])
    what_now = TextAreaField("What are we going to do now?", validators=[CharacterLimit(20000)])

    def __init__(self, levels, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = choices((lvl.key, lvl.label) for lvl in levels)


class FollowUpForm(FlaskForm):
    title = StringField("Action", validators=[DataRequired("Give the action a title."), CharacterLimit(300)])
    owner_id = OptionalIntSelectField("Owner")
    due_date = CalendarDateField("Due date (optional)", validators=[Optional(), PlausibleDate()])

    def __init__(self, owners, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = choices(
            [("", "Choose an owner")] + [(owner.id, owner.name) for owner in owners]
        )


def parse_evidence(values) -> list[tuple[str, int]]:
    """'observation:12' -> ('observation', 12); anything else is dropped."""
    items = []
    for value in values:
        kind, _, number = (value or "").partition(":")
        if (evidence_id := parse_id(number)) is not None:
            items.append((kind, evidence_id))
    return items
