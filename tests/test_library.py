"""The library of published findings: searched and filtered, a page and its fragment, and the
same number of statements however many findings it holds."""

from tests.conftest import html
from tests.test_findings import _approve, _user
from workspace.exchange import findings, library
from workspace.extensions import db
from workspace.frameworks import linking
from workspace.models import Finding, Trio


def test_the_library_searches_and_filters(app, ctx, world):
    a, b = world["a"], world["b"]
    finding_a = db.session.get(Finding, a["finding_id"])
    linking.set_links(finding_a.partnership_id, "finding", finding_a.id, [a["element_id"]])
    findings.approve(finding_a, _user(a["lead"]))
    trio_b = db.session.get(Trio, b["trio_id"])
    finding_b = findings.create_finding(
        trio_b,
        findings.FindingInput(
            title="Talk partners in S1 science",
            focus="How S1 pupils explain forces",
            sector="secondary",
            stage="S1",
            subject="Science",
            anonymous=True,
            tried="50% of the lesson as talk",
        ),
        _user(b["teacher"]),
    )
    findings.approve(finding_b, _user(b["lead"]))
    db.session.commit()

    def titles(**filters):
        return [f.title for f in library.search(library.LibraryQuery(**filters))]

    assert len(titles()) == 2
    assert titles(words="WALLS equivalence") == [finding_a.title]
    assert titles(words="50%") == [finding_b.title]  # LIKE's wildcards are escaped
    assert titles(words="walls forces") == []
    assert titles(qi_id=a["element_id"]) == [finding_a.title]
    assert titles(sector="secondary") == [finding_b.title]
    assert titles(stage="P6") == [finding_a.title]
    assert titles(subject="scien") == [finding_b.title]
    anonymous = library.published_views([finding_b])[0]
    assert anonymous.partnership is None and anonymous.authorities == [] and anonymous.school is None


def test_the_library_page_and_its_fragment(app, make_client, world):
    _approve(app, world)
    client = make_client()
    client.sign_in(world["b"]["reviewer"])
    page = client.get("/library?q=walls&stage=P6")
    assert page.status_code == 200 and "Fraction walls help" in html(page) and "<html" in html(page)
    fragment = client.get("/library?q=nothing-like-this", htmx=True)
    assert 'id="library-results"' in html(fragment) and "<html" not in html(fragment)
    assert "No published finding matches" in html(fragment)
    assert make_client().get("/library").status_code == 302  # signed out: to the sign-in page


def test_the_library_asks_the_same_number_of_statements_for_more_findings(app, make_client, world):
    from tests.statements import recorded

    client = make_client()
    client.sign_in(world["b"]["teacher"])

    def count():
        with recorded(app) as statements:
            assert client.get("/library").status_code == 200
        return len(statements)

    def publish(how_many):
        b = world["b"]
        with app.app_context():
            trio = db.session.get(Trio, b["trio_id"])
            for n in range(how_many):
                finding = findings.create_finding(
                    trio,
                    findings.FindingInput(
                        title=f"Finding {n}", focus="F", school_id=b["school_ids"][n % 2], show_school=True
                    ),
                    _user(b["teacher"]),
                )
                findings.approve(finding, _user(b["lead"]))
            db.session.commit()

    _approve(app, world)
    publish(1)
    two = count()
    publish(3)
    assert count() == two
