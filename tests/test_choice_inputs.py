"""The form macros' choice inputs, written from the field's WTForms choices: labels and values
escaped, the selection marked, each input tied to its label by the id WTForms gives it."""

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


def test_the_inputs_are_those_wtforms_writes_for_its_options(app):
    """Written in the macro for speed, the inputs stay exactly WTForms' own: a radio field and a
    checkbox field, chosen and not, required and not, each label with its option's text."""
    import re

    from markupsafe import escape
    from wtforms.validators import InputRequired

    from workspace.trios.forms import MultiCheckboxField

    class Both(Form):
        pupil = RadioField(
            "Pupil", choices=choices([("1", "A"), ("2", "B & C")]), validators=[InputRequired()]
        )
        tags = MultiCheckboxField("Tags", coerce=int, choices=choices([(7, "QI 2.3"), (9, "KA1 <b>")]))

    form = Both(data={"pupil": "2", "tags": [9]})
    for field in (form.pupil, form.tags):
        html = render(app, field)
        required = field.flags.required
        assert re.findall(r"<input[^>]*>", html) == [
            str(option(required=True) if required else option()) for option in field
        ]
        assert re.findall(r'<label for="([^"]+)">(.*?)</label>', html) == [
            (option.id, str(escape(option.label.text))) for option in field
        ]
