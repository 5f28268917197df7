from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length


class NewPartnershipForm(FlaskForm):
    name = StringField("Partnership name", validators=[
        DataRequired("Enter the partnership's name."), Length(max=200, message="Enter a name of at most 200 characters.")])
    description = TextAreaField("What the partnership works on (optional)", validators=[Length(max=2000)])
    lead_email = EmailField("First partnership lead's e-mail address", validators=[
        DataRequired("Enter the e-mail address of the partnership's first lead."),
        Email("Enter an e-mail address like name@council.gov.uk."), Length(max=320)])
