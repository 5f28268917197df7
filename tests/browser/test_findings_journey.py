"""A teacher writes a finding, the lead approves it, a lead in another authority finds it in the
library and starts a trio from it; a programme officer reads the partnerships' aggregates; axe on
every page."""

import re
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_foundation_journey import sign_in
from tests.conftest import make_app

pytestmark = pytest.mark.browser

OTHER_LEAD = "lead@lomond.example.org"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The demo, and a second partnership in Glasgow whose lead reads the library."""
    from flask_migrate import upgrade

    from tests import factories
    from workspace import demo
    from workspace.extensions import db
    from workspace.frameworks import loader
    from workspace.partnerships import services
    from workspace.reference import Role, Sector

    path = tmp_path_factory.mktemp("live-findings") / "live.sqlite"
    app = make_app(f"sqlite:///{path}", SERVER_NAME=None, TESTING=False)
    with app.app_context():
        upgrade()
        loader.load_all()
        demo.load_demo(DEMO_PASSWORD)
        other = services.create_partnership("Lomond and Clyde Partnership")
        school = services.add_school(other, "Kelvinside Primary School", Sector.PRIMARY, "Glasgow City")
        high = services.add_school(other, "Clydebank High School", Sector.SECONDARY, "West Dunbartonshire")
        factories.member(other, OTHER_LEAD, Role.LEAD, name="Fiona Lomond", password=DEMO_PASSWORD)
        factories.member(other, "t1@lomond.example.org", Role.TEACHER, school, "Ailsa Kerr", DEMO_PASSWORD)
        factories.member(other, "t2@lomond.example.org", Role.TEACHER, high, "Euan Scott", DEMO_PASSWORD)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_publish_approve_find_and_reuse_a_finding(live_server, new_page):
    teacher = new_page("finding-teacher")
    page = teacher.page
    sign_in(teacher, live_server, "eilidh.robertson@demo.example")
    page.get_by_role("link", name="Trios", exact=True).click()
    page.get_by_role("link", name="Fractions across P6 and S1").click()
    page.get_by_role("link", name="Write a finding").click()
    teacher.axe("write a finding")
    page.get_by_label("Title").fill("Pairs explain, not volunteers")
    page.get_by_label("Stage").select_option("P6")
    page.get_by_label("What we tried").fill("Every pair explained one equivalence to the class.")
    page.get_by_label("What we learned about the case pupils' progress").fill(
        "Pupil A spoke for her pair; Pupil C used the new words."
    )
    page.get_by_label("What we would tell another partnership").fill("Ask pairs, not hands.")
    page.get_by_label(re.compile("Volunteered to explain to the class")).check()
    page.get_by_role("button", name="Save the finding").click()
    expect(page.get_by_text("A lead approves it before it goes to the library.").first).to_be_visible()
    teacher.axe("the finding, a draft")
    teacher.assert_clean()

    lead = new_page("finding-lead")
    page = lead.page
    sign_in(lead, live_server, "catriona.baird@demo.example")
    page.get_by_role("link", name="Findings", exact=True).click()
    lead.axe("the partnership's findings")
    page.get_by_role("link", name="Pairs explain, not volunteers").click()
    page.get_by_role("button", name="Approve and publish to the library").click()
    expect(page.get_by_text("The finding is published").first).to_be_visible()
    lead.axe("the finding, published")
    lead.assert_clean()

    reader = new_page("finding-reader")
    page = reader.page
    sign_in(reader, live_server, OTHER_LEAD)
    page.get_by_role("link", name="Library", exact=True).click()
    reader.axe("the library")
    page.get_by_label("Words").fill("spoke for her pair")
    expect(page.locator("#library-results").get_by_role("link")).to_have_count(1)
    reader.axe("the library, searched")
    page.get_by_role("link", name="Pairs explain, not volunteers").click()
    expect(page.get_by_text("Ochil and Carron Learning Partnership (Falkirk, Stirling)")).to_be_visible()
    expect(page.get_by_text("Volunteered to explain to the class")).to_be_visible()
    reader.axe("a finding in the library")
    page.get_by_role("link", name="Start a trio from this").click()
    expect(page.get_by_text("Started from the finding")).to_be_visible()
    reader.axe("a trio from a finding")
    page.get_by_label("Trio name").fill("Pairs explain in Lomond")
    page.get_by_label("Ailsa Kerr, Kelvinside Primary School").check()
    page.get_by_label("Euan Scott, Clydebank High School").check()
    page.get_by_role("button", name="Start the trio").click()
    expect(page.get_by_role("heading", name="Pairs explain in Lomond")).to_be_visible()
    expect(
        page.get_by_text(re.compile("The finding .Pairs explain, not volunteers. in the library"))
    ).to_be_visible()
    reader.axe("the new trio")
    reader.assert_clean()

    # The author's partnership sees that it travelled.
    page = lead.page
    page.reload()
    expect(page.get_by_role("rowheader", name="Lomond and Clyde Partnership")).to_be_visible()
    lead.axe("the finding, travelled")
    page.get_by_role("link", name="Trios", exact=True).click()
    page.get_by_role("link", name="Which schools work together").click()
    expect(page.get_by_role("img", name=re.compile("Schools working together"))).to_be_visible()
    lead.axe("the network")
    lead.assert_clean()

    # A programme officer who follows the demo partnership reads its aggregates, nothing more.
    officer = new_page("programme-officer")
    page = officer.page
    sign_in(officer, live_server, "moira.campbell@demo.example")
    expect(page.get_by_role("heading", name="Programme overview")).to_be_visible()
    officer.axe("the programme overview")
    page.get_by_label("A partnership is quiet after").select_option("2")
    expect(page).to_have_url(re.compile(r"quiet=2"))
    officer.axe("the overview after a change")
    page.get_by_role("link", name="Ochil and Carron Learning Partnership").click()
    expect(page.get_by_role("heading", name="Self-evaluation movement per QI")).to_be_visible()
    officer.axe("a partnership's aggregates")
    page.get_by_role("link", name="Which of its schools work together").click()
    officer.axe("the partnership's network")
    page.goto(f"{live_server}/programme/network")
    officer.axe("the network across partnerships")
    officer.shot("network")
    officer.assert_clean()
