"""The link picker, as a page and as htmx fragments, and the linking service behind it."""

import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from tests.conftest import html
from workspace.extensions import db
from workspace.frameworks import linking
from workspace.frameworks.picker import picker_from_formdata
from workspace.models import Framework, FrameworkElement, FrameworkLink


def stem_element(number, kind="qi"):
    stem = db.session.scalar(select(Framework).where(Framework.key == "stem", Framework.is_current.is_(True)))
    return db.session.scalar(
        select(FrameworkElement).where(
            FrameworkElement.framework_id == stem.id,
            FrameworkElement.number == number,
            FrameworkElement.kind == kind,
        )
    )


def igbe(code):
    return db.session.scalar(
        select(FrameworkElement).where(FrameworkElement.code == code, FrameworkElement.kind == "priority")
    )


@pytest.fixture
def ids(app):
    with app.app_context():
        return {
            "qi23": stem_element("2.3").id,
            "theme23": stem_element("2.3", "theme").id,
            "ka1": igbe("KA1").id,
        }


def picker_url(world, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/p/{world['a']['partnership_id']}/frameworks/picker?{query}"


def test_picker_page_and_fragment(client, world, ids):
    client.sign_in(world["a"]["teacher"])
    page = client.get(picker_url(world, links=ids["qi23"], links_q="gender"))
    assert page.status_code == 200 and "<html" in html(page)
    body = html(page)
    assert "QI 2.3 Learning, teaching and assessment (STEM framework)" in body
    assert 'name="links_add"' in body  # without JavaScript the buttons submit the form
    fragment = client.get(picker_url(world, links=ids["qi23"], add=ids["ka1"]), htmx=True)
    body = html(fragment)
    assert body.lstrip().startswith('<div class="link-picker" id="picker-links"')
    assert body.count('type="hidden" name="links"') == 2
    assert "data-autofocus" in body  # focus goes back to the search box


def test_picker_removes(client, world, ids):
    client.sign_in(world["a"]["teacher"])
    body = html(client.get(picker_url(world, links=ids["qi23"], remove=ids["qi23"]), htmx=True))
    assert 'type="hidden" name="links"' not in body and "Nothing chosen yet." in body


def test_picker_options_fragment_excludes_chosen(client, world, ids):
    client.sign_in(world["a"]["teacher"])
    url = f"/p/{world['a']['partnership_id']}/frameworks/picker/options?field=links&links={ids['qi23']}&links_q=2.3"
    body = html(client.get(url, htmx=True))
    assert body.lstrip().startswith('<div id="picker-links-results"')
    assert f'value="{ids["qi23"]}"' not in body
    assert f'value="{ids["theme23"]}"' in body
    assert "<html" in html(client.get(url))


def test_picker_ignores_nonsense(client, world):
    client.sign_in(world["a"]["teacher"])
    response = client.get(picker_url(world, links="abc", add="999999", links_q="x" * 5000), htmx=True)
    assert response.status_code == 200
    assert "Nothing chosen yet." in html(response)
    assert client.get(picker_url(world, field="bad-field!")).status_code == 400


def test_picker_from_a_submitted_form(app, ids):
    with app.app_context():
        picker = picker_from_formdata(
            MultiDict([("links", str(ids["qi23"])), ("links_add", str(ids["ka1"]))])
        )
        assert picker.is_action and picker.chosen_ids == [ids["qi23"], ids["ka1"]]
        picker = picker_from_formdata(MultiDict([("links", str(ids["qi23"])), ("links", str(ids["ka1"]))]))
        assert not picker.is_action and picker.chosen_ids == [ids["qi23"], ids["ka1"]]
        picker = picker_from_formdata(MultiDict([("links_q", "gender"), ("links_search", "1")]))
        assert picker.is_action and picker.results


def test_set_links_replaces_and_validates(app, world, ids, monkeypatch):
    monkeypatch.setitem(
        linking._record_types,
        "test_record",
        linking.RecordType(
            "test_record",
            "Test records",
            lambda pid, rids: {
                i: linking.LinkedRecord("test_record", i, f"Record {i}", f"/r/{i}") for i in rids
            },
        ),
    )
    with app.app_context():
        pid = world["a"]["partnership_id"]
        linking.set_links(pid, "test_record", 7, [ids["qi23"], ids["ka1"]])
        linking.set_links(pid, "test_record", 7, [ids["ka1"], ids["theme23"]])
        db.session.commit()
        assert {e.id for e in linking.links_for("test_record", [7])[7]} == {ids["ka1"], ids["theme23"]}
        stored = set(db.session.scalars(select(FrameworkLink.element_id).where(FrameworkLink.record_id == 7)))
        assert stored == {ids["ka1"], ids["theme23"]}
        with pytest.raises(Exception, match="not a QI"):
            linking.set_links(pid, "test_record", 7, [999999])
        category = db.session.scalar(select(FrameworkElement.id).where(FrameworkElement.kind == "category"))
        with pytest.raises(Exception, match="not a QI"):
            linking.set_links(pid, "test_record", 7, [category])
        # The QI page lists the record, through its theme too.
        linked = linking.records_linked_to(pid, db.session.get(FrameworkElement, ids["qi23"]))
        assert [r.title for r in linked["Test records"]] == ["Record 7"]
        # Another partnership sees nothing of it.
        assert (
            linking.records_linked_to(
                world["b"]["partnership_id"], db.session.get(FrameworkElement, ids["qi23"])
            )
            == {}
        )


def test_search_ranks_qis_before_themes_and_stem_first(app):
    with app.app_context():
        results = linking.search("2.3")
        assert results[0].kind == "qi" and results[0].framework.key == "stem"
        assert re.match(r"QI 2\.3 ", linking.element_label(results[0]))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("QI 2.3", "QI 2.3 Learning, teaching and assessment (STEM framework)"),
        ("IGBE KA1", "IGBE KA1: Raise awareness"),
        ("igbe ka1:", "IGBE KA1: Raise awareness"),
        ("hgios4 2.3", "QI 2.3 Learning, teaching and assessment (HGIOS4)"),
    ],
)
def test_search_understands_the_labels_it_shows(app, query, expected):
    with app.app_context():
        assert linking.element_label(linking.search(query)[0]) == expected


def test_search_for_nothing_finds_nothing(app):
    with app.app_context():
        assert linking.search("qi") == [] and linking.search("   ") == []
