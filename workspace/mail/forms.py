from flask_wtf import FlaskForm
from wtforms import BooleanField


class MailChoicesForm(FlaskForm):
    reminders = BooleanField(
        "Reminders of my actions: a week before they are due, when overdue, and when they have had no update for 4 weeks"
    )
    digest = BooleanField(
        "The weekly digest of the partnership: new, completed, overdue and stale actions, lessons taught, self-evaluations and comments on my actions"
    )
