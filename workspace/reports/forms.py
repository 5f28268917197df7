from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import InputRequired, ValidationError

from ..forms_common import CalendarDateField, CharacterLimit, MultiCheckboxField, PlausibleDate, choices


class InterimForm(FlaskForm):
    period_from = CalendarDateField(
        "From", validators=[InputRequired("Enter the first day of the period."), PlausibleDate()]
    )
    period_to = CalendarDateField(
        "To", validators=[InputRequired("Enter the last day of the period."), PlausibleDate()]
    )
    schools = MultiCheckboxField("Schools", coerce=int)

    def __init__(self, school_options, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.schools.choices = choices((s.id, s.name) for s in school_options)

    def validate_period_to(self, field):
        if self.period_from.data and field.data and field.data < self.period_from.data:
            raise ValidationError("The end of the period must be on or after its start.")

    def validate_schools(self, field):
        if not field.data:
            raise ValidationError("Choose at least one school.")


class ProformaExportForm(FlaskForm):
    on = HiddenField()

    def on_date(self) -> date | None:
        try:
            return date.fromisoformat(self.on.data or "")
        except ValueError:
            return None


class DraftForm(InterimForm):
    """Starting an interim report: its title, period and schools."""

    title = StringField("Title", validators=[InputRequired("Give the report a title."), CharacterLimit(200)])
    include_descriptors = BooleanField("Include case-pupil descriptors")
