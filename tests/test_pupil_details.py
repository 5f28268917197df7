"""The rules that refuse dates of birth and candidate numbers in what is written about case pupils."""

from datetime import date

import pytest
from wtforms import Form, TextAreaField

from workspace.pupil_details import ADVICE, NoPupilIdentifiers, identifier_in, problem_in

TODAY = date(2026, 11, 20)  # given, so the table holds whatever the calendar says

SHOULD_REFUSE = [
    # (text, kind, what is quoted back)
    ("Aisha Khan (DOB 12/03/2015, SCN 123456789) answered first.", "date of birth", "DOB"),
    ("Pupil A, 12/03/2015, was quiet", "date of birth", "12/03/2015"),
    ("12-03-15 on the form", "date of birth", "12-03-15"),
    ("12.3.2015", "date of birth", "12.3.2015"),
    ("1/9/2012 start", "date of birth", "1/9/2012"),
    ("5/3/15", "date of birth", "5/3/15"),
    ("on 2015-03-12", "date of birth", "2015-03-12"),
    ("2015/3/12", "date of birth", "2015/3/12"),
    ("12 March 2015", "date of birth", "12 March 2015"),
    ("12th of March 2015", "date of birth", "12th of March 2015"),
    ("3rd Sept 2014", "date of birth", "3rd Sept 2014"),
    ("March 12, 2015", "date of birth", "March 12, 2015"),
    ("Born 12 Mar. 2016, the youngest", "date of birth", "12 Mar. 2016"),
    ("d.o.b. in the file", "date of birth", "d.o.b."),
    ("D.O.B: 12/03", "date of birth", "D.O.B"),
    ("her date of birth is in March", "date of birth", "date of birth"),
    ("Birthdate on the register", "date of birth", "Birthdate"),
    ("born on a Tuesday in spring", "date of birth", "born on"),
    ("born in March", "date of birth", "born in March"),
    ("born 2015, the youngest", "date of birth", "born 2015"),
    ("born in 2016", "date of birth", "born in 2016"),
    ("Pupil C, 12/06/2024, was quiet", "date of birth", "12/06/2024"),  # two years ago: an ELC child's
    ("12/03/2001", "date of birth", "12/03/2001"),  # 25 years ago: CLD's oldest
    ("SCN 123456789", "Scottish Candidate Number", "SCN 123456789"),
    ("SCN 123 456 789", "Scottish Candidate Number", "SCN 123 456 789"),
    ("scn: 123-456-789", "Scottish Candidate Number", "scn: 123-456-789"),
    ("Candidate number 123456789", "Scottish Candidate Number", "Candidate number 123456789"),
    ("Candidate 1234567 can add", "Scottish Candidate Number", "Candidate 1234567"),
    ("Scottish candidate no. 98765 4321", "Scottish Candidate Number", "Scottish candidate no. 98765 4321"),
    ("pupil number 40123", "Scottish Candidate Number", "pupil number 40123"),
    ("wrote 123456789 on her sheet", "Scottish Candidate Number", "123456789"),
    ("(123456789)", "Scottish Candidate Number", "123456789"),
]

SHOULD_PASS = [
    "Counted on fingers, then used the fraction wall.",
    "At 10:45 she put her hand up.",
    "10.45 to 11.30: group work",
    "Leuven 4: focused for most of the task.",
    "Moved from Leuven 2 to 4/5 during the task.",
    "3/4 of the class finished the starter.",
    "Got 3/5 and then 4/5.",
    "Scored 12/20 on the quiz.",
    "Stage 2: the main task. In stage 2.1 she led.",
    "Section 1.2.10 of the booklet",
    "P4/5 composite class; S1-S3 pupils",
    "2026 is the second year of the trio.",
    "The next lesson is on 24/11/2026.",  # this year: the lesson, not a birthday
    "Compared with the lesson on 14/11/2025",  # last year: no pupil is that young
    "The last lesson was 12/06/2025; the one before, 3 March 2025.",
    "Enrolled 1/9/2000, long before the trio.",  # 26 years ago: older than any pupil
    "Due 3/12/26; review 2027-01-15.",
    "Bannockburn was fought on 24 June 1314.",  # history
    "He was born in Poland and speaks Polish at home.",
    "A born leader in group work.",
    "She counted in fives: 5-10-15-20.",
    "Counted 5-10-15 without help.",
    "Counted 2-4-6-8 and then 10-20-30.",
    "Read 345678 as three hundred and forty-five thousand.",
    "Wrote 123,456,789 in words.",
    "Counted 100 200 300 aloud.",
    "A ten-figure number: 1234567890.",
    "Twelve March mornings",
    "She may 2 or 3 times ask for help.",
    "She marched 12 steps in 2015 style.",
    "Candidates 3 and 4 worked together.",
    "12-15 minutes on the task, 2-3 attempts.",
    "Worked through pages 4-6.",
    "Version 1.12.3 of the app",
    "",
]


@pytest.mark.parametrize("text, kind, found", SHOULD_REFUSE)
def test_refused(text, kind, found):
    identifier = identifier_in(text, TODAY)
    assert identifier is not None, text
    assert (identifier.kind, identifier.found) == (kind, found)
    assert identifier.message.startswith(f"This looks like a {kind}") and identifier.message.endswith(ADVICE)


@pytest.mark.parametrize("text", SHOULD_PASS)
def test_passed(text):
    assert identifier_in(text, TODAY) is None, identifier_in(text, TODAY)


def test_which_years_could_be_a_birthday_moves_with_the_calendar():
    assert identifier_in("12/03/2015", date(2026, 1, 5)) is not None
    assert identifier_in("12/03/2015", date(2041, 1, 5)) is None  # that child has left CLD too
    assert identifier_in("24/11/2026", date(2027, 1, 5)) is None  # last year's date: no pupil is one yet
    assert identifier_in("24/11/2026", date(2028, 1, 5)) is not None  # two years on, an ELC child's birthday
    assert identifier_in("12-03-15", date(2010, 1, 5)) is None  # 1915, not a pupil's


def test_the_validator_puts_the_message_at_the_field():
    class NoteForm(Form):
        note = TextAreaField(validators=[NoPupilIdentifiers()])

    form = NoteForm(data={"note": "SCN 123 456 789 answered first"})
    assert not form.validate()
    assert form.note.errors == [problem_in("SCN 123 456 789 answered first")]
    assert "Pupil A" in form.note.errors[0]
    assert NoteForm(data={"note": "Pupil A answered first at 10:45."}).validate()
    assert NoteForm(data={"note": None}).validate()
