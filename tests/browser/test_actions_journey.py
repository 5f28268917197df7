"""The lead follows actions across schools: filter the dashboard live, post an update, see it in
the activity feed. The reviewer reads and comments."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation_journey import sign_in

pytestmark = pytest.mark.browser


def test_filter_dashboard_post_update_and_see_it_in_the_feed(live_server, new_page):
    lead = new_page("lead-actions")
    page = lead.page
    sign_in(lead, live_server, "catriona.baird@demo.example")
    page.get_by_role("link", name="Actions", exact=True).click()
    page.get_by_role("heading", level=1, name="Actions across the partnership").wait_for()
    lead.axe("dashboard")
    lead.shot("dashboard")

    # Filter as you choose: the results change without a reload, and the URL keeps the filter.
    page.get_by_label("School").select_option(label="Carronbank High School")
    expect(page).to_have_url(re.compile(r"school=\d+"))
    page.get_by_label("Overdue only").check()
    expect(page).to_have_url(re.compile(r"overdue=1"))
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Paired talk before whole-class explanation in maths")).to_be_visible()
    expect(results.get_by_role("link", name="Track girls' uptake of physics and computing")).to_have_count(0)
    # Filter as you type.
    page.get_by_label("Words in the title or description").fill("nothing like this")
    expect(results.get_by_text("No actions match these filters.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=nothing"))
    page.get_by_label("Words in the title or description").fill("paired")
    # Settled: the URL moves when the results are swapped in, so the link clicked below stays put.
    expect(page).to_have_url(re.compile(r"q=paired"))
    expect(results.get_by_role("link", name="Paired talk before whole-class explanation in maths")).to_be_visible()
    lead.axe("dashboard filtered")
    filtered_url = page.url

    # Post an update on the action.
    results.get_by_role("link", name="Paired talk before whole-class explanation in maths").click()
    page.get_by_role("heading", level=1, name="Paired talk before whole-class explanation in maths").wait_for()
    lead.axe("action")
    page.get_by_label("What has happened").fill("All S1 maths classes now use paired talk first.")
    page.get_by_label("Evidence of impact (optional)").fill("Girls' contributions in plenaries doubled (tally, 4 lessons).")
    page.get_by_label("Status").select_option(label="Complete")
    page.get_by_role("button", name="Add to the history").click()
    expect(page.locator("#progress").get_by_text("All S1 maths classes now use paired talk first.")).to_be_visible()
    expect(page.locator("#progress").get_by_text("Your update has been added to the history.")).to_be_visible()
    lead.axe("action after update")
    lead.shot("action")

    # Back: the filtered dashboard comes back with its filter.
    page.go_back()
    expect(page).to_have_url(filtered_url)
    expect(page.get_by_label("Words in the title or description")).to_have_value("paired")

    # The activity feed shows the update.
    page.get_by_role("link", name="Activity").click()
    expect(page.locator("#activity-feed").get_by_text(re.compile("posted progress on “Paired talk before whole-class explanation in maths” and marked it complete"))).to_be_visible()
    lead.axe("activity")

    # A reviewer, in another browser, reads it and comments; the lead's feed refreshes itself.
    reviewer = new_page("reviewer")
    sign_in(reviewer, live_server, "graham.paterson@demo.example")
    reviewer.page.get_by_role("link", name="Actions", exact=True).click()
    reviewer.page.get_by_label("Words in the title or description").fill("paired talk before")
    reviewer.page.locator("#results").get_by_role("link", name="Paired talk before whole-class explanation in maths").click()
    expect(reviewer.page.get_by_role("button", name="Add to the history")).to_have_count(0)
    reviewer.page.get_by_label("Add a comment").fill("Good evidence. Please share the tally sheet with the authority.")
    reviewer.page.get_by_role("button", name="Add comment").click()
    expect(reviewer.page.locator("#comments").get_by_text("Good evidence. Please share the tally sheet")).to_be_visible()
    reviewer.axe("action as reviewer")
    expect(page.locator("#activity-feed").get_by_text(re.compile("commented on the action"))).to_be_visible(timeout=15000)
    lead.shot("activity")
    lead.assert_clean()
    reviewer.assert_clean()
