"""The lead's first day, in a real browser: sign in, add a school, invite a member, who accepts."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def sign_in(checked, base, email, password=DEMO_PASSWORD):
    page = checked.page
    page.goto(f"{base}/sign-in")
    checked.axe("sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def test_lead_adds_school_invites_member_who_accepts(live_server, new_page):
    lead = new_page("lead")
    page = lead.page
    sign_in(lead, live_server, "catriona.baird@demo.example")
    assert page.get_by_role("heading", level=1).inner_text() == "Ochil and Carron Learning Partnership"
    lead.axe("overview")
    lead.shot("overview")

    # Add a school in place (htmx): the table grows, the page does not reload.
    page.get_by_role("link", name="Schools").click()
    lead.axe("schools")
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("School name").fill("Kinnaird Primary School")
    page.get_by_label("Sector").select_option("primary")
    page.get_by_label("Local authority").select_option("Falkirk")
    page.get_by_role("button", name="Add school").click()
    page.get_by_role("rowheader", name="Kinnaird Primary School").wait_for()
    assert page.evaluate("window.__notReloaded") is True
    assert page.locator(".notice").filter(has_text="Kinnaird Primary School has been added.").is_visible()
    # Focus moves back to the name field, ready for the next school.
    expect(page.locator("#name")).to_be_focused()
    lead.axe("schools after adding")
    lead.shot("schools")

    # An invalid school shows the error summary in place.
    page.get_by_role("button", name="Add school").click()
    page.get_by_text("There is a problem").wait_for()
    lead.axe("schools with errors")
    lead.shot("schools-errors")

    # Invite a teacher.
    page.get_by_role("link", name="Members").click()
    lead.axe("members")
    page.get_by_role("link", name="Invite a member").click()
    lead.axe("invite")
    page.get_by_label("E-mail address").fill("morag.campbell@kinnaird.example")
    page.get_by_label("Teacher", exact=True).check()
    page.get_by_label("School (teachers)").select_option(label="Kinnaird Primary School")
    page.get_by_role("button", name="Create invitation link").click()
    link = page.locator("#invite-link").input_value()
    assert re.match(rf"{re.escape(live_server)}/invite/[\w-]+$", link)
    lead.axe("invite created")
    lead.shot("invite-created")

    # The invited person accepts in a second, separate browser context.
    newcomer = new_page("newcomer")
    newcomer.page.goto(link)
    newcomer.axe("accept invite")
    newcomer.page.get_by_label("Your name").fill("Morag Campbell")
    newcomer.page.get_by_label("Choose a password").fill("kinnaird lesson study")
    newcomer.page.get_by_label("Type the password again").fill("kinnaird lesson study")
    newcomer.page.get_by_role("button", name="Create account and join").click()
    newcomer.page.get_by_text("Welcome, Morag Campbell").wait_for()
    newcomer.axe("newcomer overview")
    newcomer.shot("joined")
    # A teacher sees the schools but cannot manage them.
    newcomer.page.get_by_role("link", name="Schools").click()
    assert newcomer.page.get_by_text("Add a school").count() == 0

    # Back with the lead: the new member is listed; change their role in place.
    page.get_by_role("link", name="Back to members").click()
    row = page.locator("tr", has_text="Morag Campbell")
    row.wait_for()
    row.get_by_label("Role of Morag Campbell").select_option("reviewer")
    row.get_by_role("button", name="Change role of Morag Campbell").click()
    page.locator("tr", has_text="Morag Campbell").get_by_text("Saved").wait_for()
    lead.axe("members after role change")
    lead.shot("members")

    lead.assert_clean()
    newcomer.assert_clean()


def test_tablet_width_sign_in_and_schools(live_server, new_page):
    tablet = new_page("tablet", viewport=(768, 1024))
    sign_in(tablet, live_server, "eilidh.robertson@demo.example")
    tablet.page.get_by_role("link", name="Schools").click()
    tablet.axe("schools on a tablet")
    tablet.shot("schools")
    tablet.page.wait_for_load_state("load")
    width = tablet.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 768, "the page scrolls sideways on a tablet"
    tablet.assert_clean()
