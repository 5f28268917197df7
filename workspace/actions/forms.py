from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from ..forms_common import CalendarDateField, CharacterLimit, OptionalIntSelectField, PlausibleDate, choices
from ..models.actions import ACTION_STATUS_LABELS


class ActionForm(FlaskForm):
    title = StringField("Action", validators=[DataRequired("Give the action a title."), CharacterLimit(300)])
    description = TextAreaField("Description (optional)", validators=[CharacterLimit(10000)])
    school_id = OptionalIntSelectField("School")
    owner_id = OptionalIntSelectField("Owner")
    due_date = CalendarDateField("Due date (optional)", validators=[Optional(), PlausibleDate()])
    status = SelectField("Status", choices=choices(ACTION_STATUS_LABELS.items()), default="not_started")
    version = HiddenField()

    def __init__(self, schools, owners, allowed_schools, *args, **kwargs):
        super().__init__(*args, **kwargs)
        options = [("", "Partnership-wide")] if allowed_schools is None or None in allowed_schools else []
        options += [(s.id, s.name) for s in schools if allowed_schools is None or s.id in allowed_schools]
        self.school_id.choices = choices(options)
        self.owner_id.choices = choices(
            [("", "Choose an owner")]
            + [(o.id, f"{o.name}, {o.school}" if o.school else f"{o.name} (lead)") for o in owners]
        )


class ProgressForm(FlaskForm):
    text = TextAreaField(
        "What has happened", validators=[DataRequired("Write what has happened."), CharacterLimit(10000)]
    )
    evidence = TextAreaField("Evidence of impact (optional)", validators=[CharacterLimit(10000)])
    status_to = SelectField(
        "Status",
        choices=choices([("", "Leave the status as it is")] + list(ACTION_STATUS_LABELS.items())),
        validators=[Optional()],
    )
