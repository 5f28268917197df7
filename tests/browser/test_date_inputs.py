"""A date box holding what is not a date (its year cleared, or 31 February) sends an empty value:
the form is not sent, and the field says so, so a due date is never cleared by a slip."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation_journey import sign_in
from workspace.extensions import db
from workspace.models import Action

pytestmark = pytest.mark.browser

MESSAGE = "Enter a real date, for example 27/03/2027, or clear the date completely."


def test_a_mistyped_due_date_is_not_sent_and_the_field_says_so(live_server, new_page):
    lead = new_page("lead-dates")
    page = lead.page
    sign_in(lead, live_server, "catriona.baird@demo.example")
    with live_server.app.app_context():
        action = db.session.scalars(db.select(Action).where(Action.due_date.is_not(None))).first()
        action_id, due = action.id, action.due_date
    page.goto(f"{live_server}/p/1/actions/{action_id}/edit")
    date_box = page.get_by_label("Due date")
    # The year cleared, day and month left (the year is the box's last part in any layout).
    date_box.fill("2027-02-15")
    date_box.focus()
    for key in ("ArrowRight", "ArrowRight", "Backspace"):
        page.keyboard.press(key)
    assert page.evaluate("() => document.querySelector('input[type=date]').validity.badInput")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text(MESSAGE)).to_be_visible()
    expect(date_box).to_be_focused()
    expect(date_box).to_have_attribute("aria-invalid", "true")
    lead.axe("action edit with a mistyped date")
    lead.shot("mistyped-date")
    with live_server.app.app_context():
        assert db.session.get(Action, action_id).due_date == due  # nothing was sent
    # Put right, the message goes and the form is sent.
    date_box.fill("2027-03-27")
    expect(page.get_by_text(MESSAGE)).to_have_count(0)
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("The action has been saved")).to_be_visible()
    with live_server.app.app_context():
        assert db.session.get(Action, action_id).due_date.isoformat() == "2027-03-27"
    lead.assert_clean()
