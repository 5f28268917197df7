"""Findings edited by two people at once, and approved by a lead: a save or an approval made on
a version someone has changed since is refused (409), and nothing anyone typed is lost."""

import re

import pytest

from tests.conftest import approve_button, html
from workspace.exchange import findings
from workspace.extensions import db
from workspace.models import Finding
from workspace.services_errors import StaleEdit

FORM = {
    "title": "Fraction walls help P6 explain equivalence",
    "focus": "We want to learn how to improve the way we teach fractions to P6.",
    "sector": "primary",
    "stage": "P6",
    "subject": "Numeracy",
    "tried": "A fraction wall on every table from the starter.",
    "learned": "Pupil A moved from counting on fingers to reading the wall.",
    "advice": "Start with the wall; take it away later.",
}


def _opened_version(client, url):
    """The version the edit form was opened at, as its hidden field carries it."""
    return re.search(r'name="version" value="(\d+)"', html(client.get(url))).group(1)


def test_two_people_editing_a_finding_lose_nothing(app, make_client, world):
    """The second save of a form opened before the first is refused (409): nothing of it is
    saved, the first person's change stays, the form keeps what the second typed and says what
    changed; saved again from there, it goes in."""
    a = world["a"]
    first, second = make_client(), make_client()
    first.sign_in(a["teacher"])
    second.sign_in(a["other_teacher"])
    url = f"/p/{a['partnership_id']}/findings/{a['finding_id']}/edit"
    opened_first, opened_second = _opened_version(first, url), _opened_version(second, url)
    assert opened_first == opened_second

    saved = first.post(url, data={**FORM, "tried": "Walls and number lines.", "version": opened_first})
    assert saved.status_code == 303
    refused = second.post(
        url, data={**FORM, "advice": "The second teacher's advice.", "version": opened_second}
    )
    assert refused.status_code == 409
    page = html(refused)
    assert "Someone else saved the finding while you were editing" in page
    assert "What we tried" in page and "Walls and number lines." in page  # what changed
    assert "The second teacher&#39;s advice." in page  # what they typed, still in the form
    with app.app_context():
        finding = db.session.get(Finding, a["finding_id"])
        assert (finding.tried, finding.advice) == ("Walls and number lines.", FORM["advice"])

    again = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert again != opened_second
    resent = second.post(
        url,
        data={
            **FORM,
            "tried": "Walls and number lines.",
            "advice": "The second teacher's advice.",
            "version": again,
        },
    )
    assert resent.status_code == 303
    with app.app_context():
        finding = db.session.get(Finding, a["finding_id"])
        assert (finding.tried, finding.advice) == ("Walls and number lines.", "The second teacher's advice.")


def test_a_save_that_changes_only_the_links_moves_the_version_on(app, world):
    """A link is a row of its own; the finding's version moves on all the same, so an edit
    opened before it is refused and says what changed."""
    a = world["a"]
    with app.app_context():
        finding = db.session.get(Finding, a["finding_id"])
        opened = finding.version
        before = findings.input_of(finding)
        relinked = findings.input_of(finding)
        relinked.link_ids = [a["element_id"]]
        findings.update_finding(finding, relinked, expected_version=opened)
        db.session.commit()
        assert db.session.get(Finding, a["finding_id"]).version == opened + 1
        with pytest.raises(StaleEdit) as stale:
            findings.update_finding(finding, before, expected_version=opened)
        assert stale.value.differences == [("Linked QIs and priorities", "1 linked")]
        assert stale.value.current_version == opened + 1


def test_a_lead_approves_only_the_finding_they_read(app, make_client, world):
    """Changed between the lead opening it and pressing approve, the finding is not published:
    the page shows it as it is now, and its approve button then publishes that."""
    a = world["a"]
    lead, teacher = make_client(), make_client()
    lead.sign_in(a["lead"])
    teacher.sign_in(a["teacher"])
    page_url = f"/p/{a['partnership_id']}/findings/{a['finding_id']}"
    read = re.search(r'name="version" value="(\d+)"', html(lead.get(page_url))).group(1)
    edit_url = f"{page_url}/edit"
    changed = {
        **FORM,
        "advice": "Changed after the lead read it.",
        "version": _opened_version(teacher, edit_url),
    }
    assert teacher.post(edit_url, data=changed).status_code == 303

    refused = lead.post(f"{page_url}/approve", data={"version": read})
    assert refused.status_code == 409
    assert "The finding was changed after you opened it" in html(refused)
    assert "Changed after the lead read it." in html(refused)
    assert lead.post(f"{page_url}/approve").status_code == 409  # no version: not read either
    with app.app_context():
        assert not db.session.get(Finding, a["finding_id"]).is_published
    assert approve_button(lead, a["partnership_id"], a["finding_id"]).status_code == 303
    with app.app_context():
        assert db.session.get(Finding, a["finding_id"]).is_published
