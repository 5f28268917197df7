from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired

from ..forms_common import CharacterLimit
from ..pupil_details import NoPupilIdentifiers
from .services import MAX_CAPTION


class EvidenceFileForm(FlaskForm):
    """One file and its caption. The type is checked by the file's bytes (evidence/checking.py),
    not by its name, so there is no FileAllowed here: a name says nothing of what a file is."""

    file = FileField("File", validators=[FileRequired("Choose a file to attach.")])
    caption = StringField(
        "Caption",
        validators=[
            DataRequired("Describe the file in a few words: the caption is read out in its place."),
            CharacterLimit(MAX_CAPTION),
            NoPupilIdentifiers(),
        ],
    )
    # The page's id for this upload (a UUID), so that one sent twice is stored once.
    client_id = HiddenField()
