"""The site administrator's commands and pages, and the demo partnership."""

import re

from tests.conftest import WorkspaceClient, html
from workspace import demo
from workspace.extensions import db
from workspace.models import Membership, Partnership, School, User


def test_create_admin_then_create_a_partnership_and_invite_its_lead(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "Admin@Example.org",
            "--name",
            "Site Admin",
            "--password",
            "an admin passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    admin = WorkspaceClient(app, app.response_class)
    admin.sign_in("admin@example.org", "an admin passphrase")
    assert "Create a partnership" in html(admin.get("/admin/"))
    response = admin.post(
        "/admin/partnerships/new",
        data={
            "name": "Clyde Valley Partnership",
            "description": "Four schools",
            "lead_email": "lead@clyde.example",
        },
    )
    assert response.status_code == 201
    link = re.search(r'value="(http://workspace.test/invite/[^"]+)"', html(response)).group(1)
    lead = WorkspaceClient(app, app.response_class)
    response = lead.post(
        link.replace("http://workspace.test", ""),
        data={
            "name": "Ailsa Grant",
            "password": "clyde valley lead",
            "confirm_password": "clyde valley lead",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        partnership = db.session.scalar(
            db.select(Partnership).where(Partnership.name == "Clyde Valley Partnership")
        )
        membership = db.session.scalar(
            db.select(Membership).where(Membership.partnership_id == partnership.id)
        )
        assert membership.role == "lead"
    # The new lead can now add schools.
    response = lead.post(
        f"/p/{partnership.id}/schools",
        data={"name": "Clyde Primary", "sector": "primary", "local_authority": "South Lanarkshire"},
    )
    assert response.status_code == 303


def test_admin_new_partnership_validation(app):
    runner = app.test_cli_runner()
    runner.invoke(
        args=[
            "create-admin",
            "--email",
            "admin@example.org",
            "--name",
            "A",
            "--password",
            "an admin passphrase",
        ]
    )
    admin = WorkspaceClient(app, app.response_class)
    admin.sign_in("admin@example.org", "an admin passphrase")
    response = admin.post("/admin/partnerships/new", data={"name": "", "lead_email": "nope"})
    assert response.status_code == 422
    assert "Enter the partnership&#39;s name." in html(response)


def test_create_admin_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "a@example.org", "--name", "A", "--password", "password"]
    )
    assert result.exit_code != 0
    assert "commonly used" in result.output


def test_seed_demo_loads_refuses_then_resets(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--password", "demo pass phrase"])
    assert result.exit_code == 0, result.output
    assert "catriona.baird@demo.example" in result.output
    with app.app_context():
        partnership = demo.demo_partnership()
        schools = db.session.scalars(db.select(School).where(School.partnership_id == partnership.id)).all()
        assert len(schools) >= 4 and len({s.local_authority for s in schools}) >= 2
        roles = [
            m.role
            for m in db.session.scalars(
                db.select(Membership).where(Membership.partnership_id == partnership.id)
            )
        ]
        assert roles.count("lead") >= 1 and roles.count("teacher") >= 6 and roles.count("reviewer") >= 1
    client = WorkspaceClient(app, app.response_class)
    client.sign_in("catriona.baird@demo.example", "demo pass phrase")
    # A report the lead has begun is there to read, write in and download.
    reports = client.get(f"/p/{partnership.id}/reports/").get_data(as_text=True)
    draft = re.search(r'href="(/p/\d+/reports/drafts/\d+)">Interim report to the local authorities', reports)
    assert draft, reports
    page = client.get(draft.group(1)).get_data(as_text=True)
    assert "Two lesson-study trios taught research lessons" in page and "Cover for the trios" in page
    assert re.search(r"Research lessons taught: [1-9]", page)  # the period holds the demo's lessons
    assert client.post(draft.group(1) + "/docx").status_code == 200

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "--reset" in again.output
    quiet = runner.invoke(args=["seed-demo", "--if-missing"])
    assert quiet.exit_code == 0

    reset = runner.invoke(args=["seed-demo", "--reset", "--password", "another pass phrase"])
    assert reset.exit_code == 0, reset.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Partnership.id))) == 1
        assert (
            db.session.scalar(db.select(db.func.count(User.id)).where(User.email.like("%@demo.example")))
            == len(demo.PEOPLE) + 1
        )  # and the demo's programme officer
    fresh = WorkspaceClient(app, app.response_class)
    fresh.sign_in("catriona.baird@demo.example", "another pass phrase")


def test_the_demo_reports_period_starts_with_the_school_year_or_further_back():
    from datetime import date

    from workspace.demo.reports import period_start

    assert period_start(date(2027, 3, 10)) == date(2026, 8, 1)  # the school year so far
    assert period_start(date(2026, 12, 4)) == date(2026, 8, 1)
    # Early in a school year: back far enough for the demo's lessons and actions (two months back).
    assert period_start(date(2026, 9, 2)) == date(2026, 5, 5)
    assert period_start(date(2026, 8, 1)) == date(2026, 4, 3)
