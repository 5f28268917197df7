from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from ..forms_common import CharacterLimit


class CommentForm(FlaskForm):
    text = TextAreaField("Comment", validators=[DataRequired("Write your comment."), CharacterLimit(5000)])
