"""Frameworks as data: counts and shapes, idempotent loading, versions, browser pages and search."""

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import html
from workspace.extensions import db
from workspace.frameworks import linking, loader
from workspace.models import ChallengeQuestion, Framework, FrameworkElement, FrameworkLevel


@pytest.fixture
def loaded(app):
    """The suite's database has the frameworks loaded once for the whole run."""


@pytest.fixture
def own_app(fresh_database_url):
    """A database of its own, for tests that load or change framework versions."""
    from flask_migrate import upgrade

    from tests.conftest import make_app

    application = make_app(fresh_database_url)
    with application.app_context():
        upgrade()
        loader.load_all()
        db.session.commit()
    return application


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def framework(key):
    return db.session.scalar(select(Framework).where(Framework.key == key, Framework.is_current.is_(True)))


def elements(key, kind):
    return db.session.scalars(
        select(FrameworkElement)
        .where(FrameworkElement.framework_id == framework(key).id, FrameworkElement.kind == kind)
        .order_by(FrameworkElement.id)
    ).all()


def test_counts_and_shapes(app, loaded):
    with app.app_context():
        hgios4 = elements("hgios4", "qi")
        assert len(hgios4) == 15
        categories = {
            e.parent.title: [q.number for q in hgios4 if q.parent_id == e.parent_id] for e in hgios4
        }
        assert categories == {
            "Leadership and management": ["1.1", "1.2", "1.3", "1.4", "1.5"],
            "Learning provision": ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"],
            "Successes and achievements": ["3.1", "3.2", "3.3"],
        }
        assert [lvl.label for lvl in framework("hgios4").levels] == [
            "Excellent",
            "Very good",
            "Good",
            "Satisfactory",
            "Weak",
            "Unsatisfactory",
        ]

        hgioelc = {q.number: q.title for q in elements("hgioelc", "qi")}
        assert len(hgioelc) == 15
        assert hgioelc["1.4"] == "Leadership and management of practitioners"
        assert hgioelc["3.2"] == "Securing children’s progress"
        assert hgioelc["3.3"] == "Developing creativity and skills for life and learning"

        stem_qis = elements("stem", "qi")
        assert [q.number for q in stem_qis] == [
            "1.1",
            "1.2",
            "1.3",
            "1.5",
            "2.2",
            "2.3",
            "2.5",
            "2.6",
            "2.7",
            "3.1",
            "3.2",
            "3.3",
        ]
        assert (
            stem_qis[-1].parent.title == "Successes and achievements"
        )  # not "Learning provision" as in the source
        themes = elements("stem", "theme")
        assert len(themes) >= 30
        for theme in themes:
            assert len(theme.progression) == 3, theme.title
            assert all(len(text) > 40 for _, text in theme.progression)
        assert [lvl.label for lvl in framework("stem").levels] == [
            "Starting the journey",
            "Building on achievements",
            "Features of highly-effective practice",
        ]
        elc_wording = {t.hgioelc_title for t in themes if t.hgioelc_title}
        assert "Ensuring impact of success on children and families" in elc_wording
        assert count(ChallengeQuestion) >= 30
        proforma = framework("stem").extra["proforma"]
        assert proforma["title"] == "STEM – Our self-evaluation, evidence and actions for improvement"

        groups = {g.code: g for g in elements("igbe", "priority_group")}
        priorities = elements("igbe", "priority")
        by_group = {code: [p for p in priorities if p.parent_id == g.id] for code, g in groups.items()}
        assert len(by_group["key-actions"]) == 5
        assert [p.title for p in by_group["national-connections"]] == [
            "STEM Education and Training Strategy",
            "Developing the Young Workforce (DYW)",
            "Health and Wellbeing",
            "Raising Attainment",
        ]
        assert len(by_group["equity-elc-schools"]) == 6 and len(by_group["equity-cld"]) == 6
        for key in ("stem", "hgios4", "hgioelc", "igbe"):
            assert "Open Government Licence" in framework(key).licence
            assert "Education Scotland" in framework(key).publisher


def test_stem_wording_is_faithful_to_the_source():
    """Every progression statement and challenge question appears in the source document."""
    import re
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "002_4732e8eb9c668dac.txt"
    if not source.exists():
        pytest.skip("the source documents are not beside this checkout")

    def squash(text):
        return re.sub(r"\s+", " ", text.replace("?", "").replace("HGIOS4", "").replace("HGIOELC", "")).strip()

    haystack = squash(source.read_text(encoding="utf-8"))
    document = json.loads(loader.DATA.joinpath("stem.json").read_text())
    for category in document["categories"]:
        for qi in category["qis"]:
            for theme in qi["themes"]:
                for text in theme["progression"].values():
                    assert squash(text) in haystack, text[:80]


def test_loading_twice_changes_nothing(app, loaded):
    with app.app_context():  # the run's database was loaded once already
        before = (count(Framework), count(FrameworkElement), count(ChallengeQuestion), count(FrameworkLevel))
        results = loader.load_all()
        db.session.commit()
        assert {r.outcome for r in results} == {"unchanged"}
        assert (
            count(Framework),
            count(FrameworkElement),
            count(ChallengeQuestion),
            count(FrameworkLevel),
        ) == before


def test_load_frameworks_command(fresh_database_url):
    from tests.conftest import make_app

    app = make_app(fresh_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    first = runner.invoke(args=["load-frameworks"])
    assert first.exit_code == 0 and "stem 2019: loaded" in first.output
    second = runner.invoke(args=["load-frameworks"])
    assert "stem 2019: unchanged" in second.output


def _stem_document():
    return json.loads(loader.DATA.joinpath("stem.json").read_text())


def test_a_new_version_keeps_old_links_readable(own_app, monkeypatch):
    with own_app.app_context():
        from workspace.partnerships.services import create_partnership

        partnership = create_partnership("Versioned Partnership")
        old_qi = elements("stem", "qi")[0]
        monkeypatch.setitem(
            linking._record_types,
            "test_record",
            linking.RecordType(
                "test_record",
                "Test records",
                lambda pid, ids: {
                    i: linking.LinkedRecord("test_record", i, f"Record {i}", f"/records/{i}") for i in ids
                },
            ),
        )
        linking.set_links(partnership.id, "test_record", 1, [old_qi.id])
        db.session.commit()
        old_title = old_qi.title

        revised = _stem_document()
        revised["version"] = "2027"
        revised["categories"][0]["qis"][0]["title"] = "Self-evaluation for self-improvement (revised)"
        result = loader.load_document(revised)
        db.session.commit()
        assert result.outcome == "superseded an older version"

        assert framework("stem").version == "2027"
        links = linking.links_for("test_record", [1])[1]
        assert [(e.id, e.title, e.framework.version) for e in links] == [(old_qi.id, old_title, "2019")]
        # Search offers only the current wording.
        found = linking.search("self-evaluation")
        assert found and all(e.framework.is_current for e in found)
        assert old_qi.id not in {e.id for e in found}
        # Keeping the old link is fine; adding a new link to the old version is not.
        linking.set_links(partnership.id, "test_record", 1, [old_qi.id])
        with pytest.raises(Exception, match="superseded"):
            linking.set_links(partnership.id, "test_record", 2, [old_qi.id])


def test_changed_content_without_a_new_version_is_refused(app, loaded):
    with app.app_context():  # refused before anything is written
        changed = _stem_document()
        changed["categories"][0]["qis"][0]["title"] = "Something else"
        with pytest.raises(loader.FrameworkFileError, match="new version"):
            loader.load_document(changed)


def test_framework_pages(client, world, app, loaded):
    client.sign_in(world["a"]["teacher"])
    pid = world["a"]["partnership_id"]
    index = html(client.get(f"/p/{pid}/frameworks/"))
    assert "STEM self-evaluation and improvement framework" in index
    with app.app_context():
        stem_id = framework("stem").id
        theme = elements("stem", "theme")[0]
        qi = theme.parent
        priority = elements("igbe", "priority")[0]
        theme_id, qi_id, priority_id, theme_start = theme.id, qi.id, priority.id, theme.starting
    page = html(client.get(f"/p/{pid}/frameworks/{stem_id}"))
    assert "Starting the journey" in page and "Challenge questions" in page
    assert "Open Government Licence" in page
    theme_page = html(client.get(f"/p/{pid}/frameworks/elements/{theme_id}"))
    assert theme_start[:30] in theme_page
    assert "Linked in Partnership Alpha" in html(client.get(f"/p/{pid}/frameworks/elements/{qi_id}"))
    assert "Raise awareness" in html(client.get(f"/p/{pid}/frameworks/elements/{priority_id}"))
    assert client.get(f"/p/{pid}/frameworks/999999").status_code == 404
    assert client.get(f"/p/{pid}/frameworks/elements/999999").status_code == 404


def test_search_page_and_fragment(client, world, loaded):
    client.sign_in(world["a"]["reviewer"])
    pid = world["a"]["partnership_id"]
    page = client.get(f"/p/{pid}/frameworks/search?q=gender")
    assert page.status_code == 200 and "<html" in html(page)
    assert "gender balance" in html(page).lower()
    fragment = client.get(f"/p/{pid}/frameworks/search?q=2.3", htmx=True)
    assert html(fragment).lstrip().startswith('<div id="search-results"')
    assert "QI 2.3 Learning, teaching and assessment (STEM framework)" in html(fragment)


def test_search_treats_wildcards_and_markup_as_text(client, world, loaded):
    client.sign_in(world["a"]["lead"])
    pid = world["a"]["partnership_id"]
    assert "0 results" in html(client.get(f"/p/{pid}/frameworks/search?q=%25%25_"))
    body = html(client.get(f"/p/{pid}/frameworks/search?q=<script>alert(1)</script>"))
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body
