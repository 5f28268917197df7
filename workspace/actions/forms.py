from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms_common import OptionalIntSelectField, PlausibleDate, choices
from ..models.actions import ACTION_STATUS_LABELS


class ActionForm(FlaskForm):
    title = StringField("Action", validators=[
        DataRequired("Give the action a title."), Length(max=300, message="Keep the title to 300 characters.")])
    description = TextAreaField("Description (optional)", validators=[Length(max=10000)])
    school_id = OptionalIntSelectField("School")
    owner_id = OptionalIntSelectField("Owner")
    due_date = DateField("Due date (optional)", validators=[Optional(), PlausibleDate()])
    status = SelectField("Status", choices=choices(ACTION_STATUS_LABELS.items()), default="not_started")
    version = HiddenField()

    def __init__(self, schools, owners, allowed_schools, *args, **kwargs):
        super().__init__(*args, **kwargs)
        options = [("", "Partnership-wide")] if allowed_schools is None or None in allowed_schools else []
        options += [(s.id, s.name) for s in schools if allowed_schools is None or s.id in allowed_schools]
        self.school_id.choices = choices(options)
        self.owner_id.choices = choices(
            [("", "Choose an owner")] + [(u.id, f"{u.name}, {s.name}" if s else f"{u.name} (lead)") for u, s in owners])


class ProgressForm(FlaskForm):
    text = TextAreaField("What has happened", validators=[
        DataRequired("Write what has happened."), Length(max=10000, message="That update is too long.")])
    evidence = TextAreaField("Evidence of impact (optional)", validators=[Length(max=10000)])
    status_to = SelectField("Status", choices=choices([("", "Leave the status as it is")] + list(ACTION_STATUS_LABELS.items())),
                            validators=[Optional()])


class CommentForm(FlaskForm):
    text = TextAreaField("Comment", validators=[
        DataRequired("Write your comment."), Length(max=5000, message="Keep a comment to 5,000 characters.")])
