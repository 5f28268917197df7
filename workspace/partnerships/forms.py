from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email

from ..forms_common import CharacterLimit, OptionalIntSelectField, choices
from ..reference import LOCAL_AUTHORITIES, Role, Sector


class SchoolForm(FlaskForm):
    name = StringField(
        "School name", validators=[DataRequired("Enter the school's name."), CharacterLimit(200)]
    )
    sector = SelectField(
        "Sector",
        choices=choices([("", "Choose a sector")] + [(s.value, s.label) for s in Sector]),
        validators=[DataRequired("Choose the school's sector.")],
    )
    local_authority = SelectField(
        "Local authority",
        choices=choices([("", "Choose a local authority")] + [(la, la) for la in LOCAL_AUTHORITIES]),
        validators=[DataRequired("Choose the local authority.")],
    )


def _school_choices(schools, empty_label: str):
    return choices([("", empty_label)] + [(s.id, s.name) for s in schools])


class InviteForm(FlaskForm):
    email = EmailField(
        "E-mail address",
        validators=[
            DataRequired("Enter the person's e-mail address."),
            Email("Enter an e-mail address like name@school.scot."),
            CharacterLimit(320),
        ],
    )
    role = RadioField(
        "Role", choices=choices((r.value, r.label) for r in Role), validators=[DataRequired("Choose a role.")]
    )
    school_id = OptionalIntSelectField("School (teachers)")

    def __init__(self, schools, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_id.choices = _school_choices(schools, "No school")


class RoleForm(FlaskForm):
    role = SelectField(
        "Role",
        choices=choices((r.value, r.short_label) for r in Role),
        validators=[DataRequired("Choose a role.")],
    )
    school_id = OptionalIntSelectField("School")

    def __init__(self, schools, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_id.choices = _school_choices(schools, "No school")
