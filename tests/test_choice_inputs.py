"""The form macros' choice inputs are WTForms' own inputs: labels and values escaped, the
selection marked, each input tied to its label."""

from wtforms import Form, RadioField

from workspace.forms_common import choices


class PupilForm(Form):
    pupil = RadioField(
        "Case pupil", choices=choices([("1", "A <script>alert(1)</script>"), ('2"x', "B & C")])
    )


def render(app, field):
    with app.test_request_context():
        macro = app.jinja_env.get_template("macros/forms.html").module.choice_inputs
        return str(macro(field))


def test_labels_and_values_are_escaped(app):
    html = render(app, PupilForm()["pupil"])
    assert "<script>" not in html and "A &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="2&#34;x"' in html and "B &amp; C" in html


def test_the_selection_is_marked_and_each_input_has_its_label(app):
    html = render(app, PupilForm(data={"pupil": "1"})["pupil"])
    assert 'checked id="pupil-0"' in html and 'for="pupil-0"' in html and 'for="pupil-1"' in html
    assert 'checked id="pupil-1"' not in render(app, PupilForm(data={"pupil": "1"})["pupil"])


def test_required_only_where_the_field_requires_it(app):
    from wtforms.validators import InputRequired

    class Required(Form):
        pupil = RadioField("Case pupil", choices=choices([("1", "A")]), validators=[InputRequired()])

    assert "required" not in render(app, PupilForm()["pupil"])
    assert " required " in render(app, Required()["pupil"]) or "required>" in render(app, Required()["pupil"])
