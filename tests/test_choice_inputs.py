"""Choice inputs are written in Python and remembered per process (templating.choice_inputs):
labels and values are escaped, and a different selection is never served from memory."""
from wtforms import Form, RadioField

from workspace.forms_common import choices
from workspace.templating import choice_inputs


class PupilForm(Form):
    pupil = RadioField("Case pupil", choices=choices([("1", "A <script>alert(1)</script>"), ('2"x', "B & C")]))


def test_labels_and_values_are_escaped():
    html = str(choice_inputs(PupilForm()["pupil"]))
    assert "<script>" not in html and "A &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="2&#34;x"' in html and "B &amp; C" in html


def test_each_selection_is_its_own_answer():
    first = str(choice_inputs(PupilForm(data={"pupil": "1"})["pupil"]))
    second = str(choice_inputs(PupilForm(data={"pupil": '2"x'})["pupil"]))
    assert '<input checked id="pupil-0"' in first and '<input checked id="pupil-1"' not in first
    assert '<input checked id="pupil-1"' in second and '<input checked id="pupil-0"' not in second
    assert str(choice_inputs(PupilForm(data={"pupil": "1"})["pupil"])) == first
