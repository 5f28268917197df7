"""The finding's form. Its links are the link picker's (frameworks/picker.py), read beside it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from ..forms_common import CharacterLimit, MultiCheckboxField, OptionalIntSelectField, choices
from ..pupil_details import HINT as PUPIL_HINT
from ..pupil_details import NoPupilIdentifiers
from ..reference import Sector
from .findings import STAGES, FindingInput

NO_DESCRIPTORS = "Write about the case pupils by their label, in words: never their descriptors."


class FindingForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired("Give the finding a title."), CharacterLimit(200), NoPupilIdentifiers()],
    )
    focus = TextAreaField(
        "Enquiry focus",
        validators=[DataRequired("Write the enquiry focus."), CharacterLimit(2000), NoPupilIdentifiers()],
    )
    sector = SelectField("Sector", validators=[Optional()])
    stage = SelectField("Stage", validators=[Optional()])
    subject = StringField("Subject", validators=[CharacterLimit(120), NoPupilIdentifiers()])
    school_id = OptionalIntSelectField("School (optional)")
    show_school = BooleanField("Name the school in the library")
    anonymous = BooleanField("Publish anonymously: name neither the partnership nor its authorities")
    tried = TextAreaField("What we tried", validators=[CharacterLimit(5000), NoPupilIdentifiers()])
    learned = TextAreaField(
        "What we learned about the case pupils' progress",
        validators=[CharacterLimit(5000), NoPupilIdentifiers()],
        description=f"{NO_DESCRIPTORS} {PUPIL_HINT}",
    )
    advice = TextAreaField(
        "What we would tell another partnership", validators=[CharacterLimit(5000), NoPupilIdentifiers()]
    )
    observations = MultiCheckboxField(
        "Starred observations to quote (optional)", coerce=int, validators=[Optional()]
    )
    version = HiddenField()  # the version the edit began from (services.update_finding)

    def __init__(self, schools, starred, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = choices([("", "Not said")] + [(s.value, s.label) for s in Sector])
        self.stage.choices = choices([("", "Not said")] + list(STAGES))
        self.school_id.choices = choices([("", "Not said")] + [(s.id, s.name) for s in schools])
        self.observations.choices = choices(
            (o.id, f"{o.lesson}{', ' + o.stage if o.stage else ''}: {o.text}") for o in starred
        )

    def to_input(self, link_ids: list[int]) -> FindingInput:
        return FindingInput(
            title=self.title.data or "",
            focus=self.focus.data or "",
            sector=self.sector.data or None,
            stage=self.stage.data or "",
            subject=self.subject.data or "",
            school_id=self.school_id.data,
            show_school=bool(self.show_school.data),
            anonymous=bool(self.anonymous.data),
            tried=self.tried.data or "",
            learned=self.learned.data or "",
            advice=self.advice.data or "",
            link_ids=link_ids,
            observation_ids=list(self.observations.data or []),
        )


def form_values(data: FindingInput) -> dict:
    """The keyword values that open a FindingForm on `data`."""
    return {
        "title": data.title,
        "focus": data.focus,
        "sector": data.sector or "",
        "stage": data.stage,
        "subject": data.subject,
        "school_id": data.school_id,
        "show_school": data.show_school,
        "anonymous": data.anonymous,
        "tried": data.tried,
        "learned": data.learned,
        "advice": data.advice,
        "observations": data.observation_ids,
    }
