"""Forms for trios and their lessons. The lesson plan and the discussion have many repeating
rows, so they are read from the submitted fields directly (parse_plan, parse_discussion)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from ..forms_common import (
    IMPLAUSIBLE_DATE,
    CalendarDateField,
    CharacterLimit,
    MultiCheckboxField,
    OptionalIntSelectField,
    PlausibleDate,
    choices,
    optional_int,
    parse_id,
    plausible_year,
    read_date,
)
from ..models.trios import TRIO_STATUS_LABELS
from ..pupil_details import HINT as PUPIL_HINT
from ..pupil_details import NoPupilIdentifiers
from .observing import LEUVEN_LEVELS
from .plan_edits import PlanInput, PupilInput, StageInput
from .reflection import STANDARD_QUESTIONS


class TrioForm(FlaskForm):
    name = StringField("Trio name", validators=[DataRequired("Give the trio a name."), CharacterLimit(200)])
    focus = TextAreaField(
        "Enquiry focus", validators=[DataRequired("Write the trio's enquiry focus."), CharacterLimit(2000)]
    )
    status = SelectField("Status", choices=choices(TRIO_STATUS_LABELS.items()), default="planning")
    members = MultiCheckboxField("Members", coerce=int)
    version = HiddenField()

    def __init__(self, people, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.members.choices = choices(
            (user.id, f"{user.name}, {school.name}" if school else f"{user.name} (lead)")
            for user, school in people
        )


class NewLessonForm(FlaskForm):
    lesson_date = CalendarDateField("Date of the lesson", validators=[Optional(), PlausibleDate()])
    school_id = OptionalIntSelectField("School")
    class_stage = StringField("Class or stage", validators=[CharacterLimit(100)])
    subject = StringField("Subject", validators=[CharacterLimit(120)])
    teacher_id = OptionalIntSelectField("Who teaches it")

    def __init__(self, schools, trio_people, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_id.choices = choices([("", "Not decided yet")] + [(s.id, s.name) for s in schools])
        self.teacher_id.choices = choices([("", "Not decided yet")] + [(u.id, u.name) for u in trio_people])


# A pupil or stage not among the choices: the plan changed after the form was opened (a note kept
# on a tablet while offline, say), as a person never picks one otherwise.
NOT_A_PLANNED_PUPIL = "That case pupil is not in the lesson plan now (it may have been taken out): choose one of the case pupils shown."
NOT_A_PLANNED_STAGE = (
    "That stage is not in the lesson plan now (it may have been taken out): choose one of the stages shown, "
    "or Not one stage."
)


def _planned_choice(label: str, message: str, **kwargs) -> RadioField:
    """Radios whose refusal of a value not among their choices says `message` (WTForms 3.3's
    invalid_choice_message; its type stubs stop at 3.2)."""
    return RadioField(label, invalid_choice_message=message, **kwargs)  # type: ignore[call-arg]


class ObservationForm(FlaskForm):
    case_pupil_id = _planned_choice(
        "Case pupil",
        NOT_A_PLANNED_PUPIL,
        coerce=optional_int,
        validators=[InputRequired("Choose the case pupil you observed.")],
    )
    stage_id = _planned_choice(
        "Lesson stage", NOT_A_PLANNED_STAGE, coerce=optional_int, validators=[Optional()]
    )
    text = TextAreaField(
        "What did you see?",
        validators=[DataRequired("Write what you saw."), CharacterLimit(5000), NoPupilIdentifiers()],
        description=f"What the pupil did and said, as it happened. {PUPIL_HINT}",
    )
    leuven_score = RadioField(
        "Leuven involvement (optional)",
        coerce=optional_int,
        validators=[Optional()],
        choices=choices(
            [("", "No score")] + [(n, f"{n}: {label}") for n, (label, _) in LEUVEN_LEVELS.items()]
        ),
        default="",
    )
    tags = MultiCheckboxField(
        "Tag the trio's QIs and priorities (optional)", coerce=int, validators=[Optional()]
    )
    # A new note's own id and when Save was pressed (the tablet's outbox fills them in); an edit's
    # version it began from. Not shown: observing.record_observation and update_observation.
    client_id = HiddenField()
    taken_at = HiddenField()
    version = HiddenField()

    def __init__(self, lesson, tag_elements, label_of, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.case_pupil_id.choices = choices((p.id, p.display) for p in lesson.case_pupils)
        self.stage_id.choices = choices([("", "Not one stage")] + [(s.id, s.title) for s in lesson.stages])
        self.tags.choices = choices((e.id, label_of(e)) for e in tag_elements)


class PupilVoiceForm(FlaskForm):
    case_pupil_id = _planned_choice(
        "Case pupil",
        NOT_A_PLANNED_PUPIL,
        coerce=optional_int,
        validators=[InputRequired("Choose the case pupil you talked to.")],
    )
    question = SelectField(
        "Question",
        choices=choices([(q, q) for q in STANDARD_QUESTIONS] + [("", "Another question (write it below)")]),
    )
    own_question = StringField(
        "Your own question (optional)",
        validators=[CharacterLimit(300), NoPupilIdentifiers()],
        description=f"Leave empty to use the question chosen above. {PUPIL_HINT}",
    )
    response = TextAreaField(
        "What the pupil said",
        validators=[DataRequired("Write what the pupil said."), CharacterLimit(5000), NoPupilIdentifiers()],
        description=f"Their words, as near as you can. {PUPIL_HINT}",
    )
    # As on the observation form: the note's own id, and when Save was pressed.
    client_id = HiddenField()
    taken_at = HiddenField()

    def __init__(self, lesson, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.case_pupil_id.choices = choices((p.id, p.display) for p in lesson.case_pupils)

    @property
    def asked(self) -> str:
        return (self.own_question.data or "").strip() or self.question.data or ""

    def validate_own_question(self, field):
        if not self.question.data and not (field.data or "").strip():
            raise ValidationError("Write the question you asked, or choose one of the standard questions.")


class MakeActionForm(FlaskForm):
    title = StringField("Action", validators=[DataRequired("Give the action a title."), CharacterLimit(300)])
    owner_id = OptionalIntSelectField("Owner")
    due_date = CalendarDateField("Due date (optional)", validators=[Optional(), PlausibleDate()])

    def __init__(self, trio_people, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = choices((u.id, u.name) for u in trio_people)


class VersionForm(FlaskForm):
    """The CSRF token and the version a plan or discussion was opened at."""

    version = IntegerField(validators=[InputRequired()])


# The lesson plan --------------------------------------------------------------------------------


def _int(value):
    return parse_id(value)


def parse_plan(formdata, stage_rows: int, pupil_rows: int) -> tuple[PlanInput, dict[str, str]]:
    """The plan as submitted, and any problem reading it (dates, ids)."""
    errors: dict[str, str] = {}
    lesson_date, problem = read_date(formdata.get("lesson_date"))
    if problem:
        errors["lesson_date"] = problem
    elif not plausible_year(lesson_date):
        errors["lesson_date"] = IMPLAUSIBLE_DATE
    stages = [
        StageInput(
            _int(formdata.get(f"stage-{i}-id")),
            formdata.get(f"stage-{i}-title", ""),
            formdata.get(f"stage-{i}-description", ""),
        )
        for i in range(stage_rows)
    ]
    pupils = [
        PupilInput(
            _int(formdata.get(f"pupil-{i}-id")),
            formdata.get(f"pupil-{i}-label", ""),
            # One line wherever it is shown ("B: a girl who..."): a line break typed in its box
            # is a space.
            " ".join(formdata.get(f"pupil-{i}-descriptor", "").split()),
            formdata.get(f"pupil-{i}-criterion", ""),
        )
        for i in range(pupil_rows)
    ]
    predictions = {}
    for name in formdata:
        if name.startswith("prediction-"):
            parts = name.split("-")
            if len(parts) == 3 and _int(parts[1]) and _int(parts[2]):
                predictions[(int(parts[1]), int(parts[2]))] = formdata.get(name, "")
    school_id, teacher_id = formdata.get("school_id"), formdata.get("teacher_id")
    if school_id and _int(school_id) is None:
        errors["school_id"] = "Choose one of the partnership's schools."
    if teacher_id and _int(teacher_id) is None:
        errors["teacher_id"] = "Choose who teaches the lesson."
    plan = PlanInput(
        lesson_date=lesson_date,
        school_id=_int(school_id),
        class_stage=formdata.get("class_stage", ""),
        subject=formdata.get("subject", ""),
        teacher_id=_int(teacher_id),
        learning_intentions=formdata.get("learning_intentions", ""),
        success_criteria=formdata.get("success_criteria", ""),
        stages=stages,
        pupils=pupils,
        predictions=predictions,
    )
    return plan, errors


def parse_discussion(formdata, lesson) -> tuple[dict[int, str], str, str]:
    progress = {p.id: formdata.get(f"progress-{p.id}", "") for p in lesson.case_pupils}
    return progress, formdata.get("discussion_teaching", ""), formdata.get("discussion_learned", "")
