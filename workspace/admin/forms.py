from flask_wtf import FlaskForm
from wtforms import EmailField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms_common import CharacterLimit


class NewPartnershipForm(FlaskForm):
    name = StringField(
        "Partnership name", validators=[DataRequired("Enter the partnership's name."), CharacterLimit(200)]
    )
    description = TextAreaField("What the partnership works on (optional)", validators=[CharacterLimit(2000)])
    lead_email = EmailField(
        "First partnership lead's e-mail address",
        validators=[
            DataRequired("Enter the e-mail address of the partnership's first lead."),
            Email("Enter an e-mail address like name@council.gov.uk."),
            CharacterLimit(320),
        ],
    )


class ProgrammeOfficerForm(FlaskForm):
    """The partnerships a person follows as a programme officer: exactly those ticked."""

    email = EmailField(
        "The officer's e-mail address",
        validators=[
            DataRequired("Enter the e-mail address the officer signs in with."),
            Email("Enter an e-mail address like name@council.gov.uk."),
            CharacterLimit(320),
        ],
    )
    partnerships = SelectMultipleField(
        "Partnerships they follow",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
