from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo

from ..forms_common import CharacterLimit
from .passwords import MAX_LENGTH


class SignInForm(FlaskForm):
    email = EmailField(
        "E-mail address", validators=[DataRequired("Enter your e-mail address."), CharacterLimit(320)]
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), CharacterLimit(MAX_LENGTH)]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new_password = PasswordField("New password", validators=[DataRequired("Enter a new password.")])
    confirm_password = PasswordField(
        "Type the new password again",
        validators=[
            DataRequired("Type the new password again."),
            EqualTo("new_password", message="The two new passwords do not match."),
        ],
    )


class NewAccountForm(FlaskForm):
    """Accepting an invite for an e-mail address that has no account yet."""

    name = StringField("Your name", validators=[DataRequired("Enter your name."), CharacterLimit(120)])
    password = PasswordField("Choose a password", validators=[DataRequired("Choose a password.")])
    confirm_password = PasswordField(
        "Type the password again",
        validators=[
            DataRequired("Type the password again."),
            EqualTo("password", message="The two passwords do not match."),
        ],
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""
