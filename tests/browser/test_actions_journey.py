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
    dashboard_url = page.url.split("?")[0]

    # The summary tables load as they scroll into view (each swap is checked by axe), and a cell's
    # link filters the dashboard.
    page.locator("#summary-igbe").scroll_into_view_if_needed()
    for name in (
        "Number of actions by status in each school",
        "Coverage of quality indicators: schools against QIs",
        "Coverage of IGBE priorities: schools against IGBE priorities",
    ):
        expect(page.get_by_role("table", name=name)).to_be_visible()
    lead.axe("dashboard with its summary tables")
    lead.shot("dashboard-summaries")
    page.locator("#summary-qi td a").first.click()
    expect(page).to_have_url(re.compile(r"school=\w+&qi="))
    page.get_by_role("heading", level=1, name="Actions across the partnership").wait_for()
    lead.axe("dashboard filtered from a coverage cell")
    page.goto(dashboard_url)

    # A new action: its description counts down to its limit, and text over it is refused, not cut.
    page.get_by_role("link", name="New action").click()
    page.get_by_role("heading", level=1, name="New action").wait_for()
    lead.axe("new action")
    description = page.get_by_label("Description (optional)")
    expect(page.locator("#description-info")).to_have_text(
        "You have 10,000 characters remaining"
    )  # the script is running
    description.fill("Five minutes")
    expect(page.locator("#description-info")).to_have_text("You have 9,988 characters remaining")
    page.get_by_label("Action", exact=True).fill("Number talks every morning")
    description.fill("x" * 10_003)
    expect(page.locator("#description-info")).to_have_text("You have 3 characters too many")
    expect(page.locator("#description-count-status")).to_have_text("You have 3 characters too many")
    assert description.input_value() == "x" * 10_003  # nothing cut as it was typed
    page.get_by_role("button", name="Create the action").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter 10,000 characters or fewer.")
    expect(page.get_by_label("Description (optional)")).to_have_value("x" * 10_003)
    expect(page.locator("#description-info")).to_have_text("You have 3 characters too many")
    lead.axe("new action refused")
    lead.shot("new-action-too-long")
    page.get_by_role("link", name="Back to actions").click()
    page.get_by_role("heading", level=1, name="Actions across the partnership").wait_for()
    lead.axe("dashboard again")

    # A page past the last shows the last page.
    page.goto(f"{dashboard_url}?page=99999")
    expect(page.locator(".results-count")).to_have_text(re.compile(r"^\s*Showing 1–18 of 18 actions\.\s*$"))
    lead.axe("dashboard past its last page")
    page.go_back()
    page.get_by_role("heading", level=1, name="Actions across the partnership").wait_for()
    lead.axe("dashboard after Back")

    # Filter as you choose: the results change without a reload, and the URL keeps the filter.
    page.get_by_label("School", exact=True).select_option(label="Carronbank High School")
    expect(page).to_have_url(re.compile(r"school=\d+"))
    page.get_by_label("Overdue only").check()
    expect(page).to_have_url(re.compile(r"overdue=1"))
    results = page.locator("#results")
    expect(
        results.get_by_role("link", name="Paired talk before whole-class explanation in maths")
    ).to_be_visible()
    expect(results.get_by_role("link", name="Track girls' uptake of physics and computing")).to_have_count(0)
    # Filter as you type.
    page.get_by_label("Words in the title or description").fill("nothing like this")
    expect(results.get_by_text("No actions match these filters.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=nothing"))
    page.get_by_label("Words in the title or description").fill("paired")
    # Settled: the URL moves when the results are swapped in, so the link clicked below stays put.
    expect(page).to_have_url(re.compile(r"q=paired"))
    expect(
        results.get_by_role("link", name="Paired talk before whole-class explanation in maths")
    ).to_be_visible()
    # The owner: part of a name; the partnership's names are offered once the box is focused.
    owner = page.get_by_label("Owner", exact=True)
    expect(page.locator("#owner-names option")).to_have_count(0)
    before = page.url
    owner.focus()
    expect(page.locator('#owner-names option[value="Callum Fraser"]')).to_have_count(1)
    assert page.url == before  # the suggestions are not a place of their own in the history
    owner.fill("jamie")
    expect(page).to_have_url(re.compile(r"owner_name=jamie"))
    expect(results.get_by_text("No actions match these filters.")).to_be_visible()
    owner.fill("callum")
    expect(page).to_have_url(re.compile(r"owner_name=callum"))
    expect(
        results.get_by_role("link", name="Paired talk before whole-class explanation in maths")
    ).to_be_visible()
    lead.axe("dashboard filtered")
    filtered_url = page.url

    # Post an update on the action.
    results.get_by_role("link", name="Paired talk before whole-class explanation in maths").click()
    page.get_by_role(
        "heading", level=1, name="Paired talk before whole-class explanation in maths"
    ).wait_for()
    lead.axe("action")
    # The action says it is overdue, as the dashboard does.
    expect(page.locator("#action-summary .badge--overdue")).to_have_text("Overdue")
    page.get_by_label("What has happened").fill("All S1 maths classes now use paired talk first.")
    page.get_by_label("Evidence of impact (optional)").fill(
        "Girls' contributions in plenaries doubled (tally, 4 lessons)."
    )
    page.get_by_label("Status").select_option(label="Complete")
    page.get_by_role("button", name="Add to the history").click()
    expect(
        page.locator("#progress").get_by_text("All S1 maths classes now use paired talk first.")
    ).to_be_visible()
    # The word that it was added has focus: the button pressed has gone with the form it was in.
    expect(
        page.locator("#progress").get_by_text("Your update has been added to the history.")
    ).to_be_focused()
    # Complete now: the summary beside it says so, and no longer says overdue.
    expect(page.locator("#action-summary .status")).to_have_text("Complete")
    expect(page.locator("#action-summary .badge--overdue")).to_have_count(0)
    lead.axe("action after update")
    lead.shot("action")

    # Back: the filtered dashboard comes back with its filter, by the browser's Back and by the
    # page's own link.
    page.go_back()
    expect(page).to_have_url(filtered_url)
    expect(page.get_by_label("Words in the title or description")).to_have_value("paired")
    page.go_forward()
    page.get_by_role("link", name="Back to the actions you filtered").click()
    # The same filters (the link leaves out the ones left empty).
    expect(page).to_have_url(re.compile(r"\?q=paired&school=1&owner_name=callum&overdue=1$"))
    assert filtered_url.startswith(page.url.split("?")[0] + "?q=paired&school=1&owner_name=callum&")
    expect(page.get_by_label("Words in the title or description")).to_have_value("paired")
    expect(page.get_by_label("Owner", exact=True)).to_have_value("callum")
    # (The action, complete now, is no longer overdue: the filter finds it no more.)

    # The activity feed shows the update.
    page.get_by_role("link", name="Activity").click()
    expect(
        page.locator("#activity-feed").get_by_text(
            re.compile(
                "posted progress on “Paired talk before whole-class explanation in maths” and marked it complete"
            )
        )
    ).to_be_visible()
    lead.axe("activity")

    # A reviewer, in another browser, reads it and comments; the lead's feed refreshes itself.
    reviewer = new_page("reviewer")
    sign_in(reviewer, live_server, "graham.paterson@demo.example")
    reviewer.page.get_by_role("link", name="Actions", exact=True).click()
    reviewer.page.get_by_label("Words in the title or description").fill("paired talk before")
    reviewer.page.locator("#results").get_by_role(
        "link", name="Paired talk before whole-class explanation in maths"
    ).click()
    expect(reviewer.page.get_by_role("button", name="Add to the history")).to_have_count(0)
    reviewer.page.get_by_label("Add a comment").fill(
        "Good evidence. Please share the tally sheet with the authority."
    )
    reviewer.page.get_by_role("button", name="Add comment").click()
    expect(
        reviewer.page.locator("#comments").get_by_text("Good evidence. Please share the tally sheet")
    ).to_be_visible()
    reviewer.axe("action as reviewer")
    expect(page.locator("#activity-feed").get_by_text(re.compile("commented on the action"))).to_be_visible(
        timeout=15000
    )
    lead.shot("activity")
    lead.assert_clean()
    reviewer.assert_clean()


def test_text_at_its_limit_with_line_breaks_and_an_emoji_is_counted_and_saved_as_the_server_counts(
    live_server, new_page
):
    # A browser sends each line break as CR LF and counts an emoji as two UTF-16 units: the count and
    # the server both count characters as Python does, one for each.
    lead = new_page("lead-action-at-its-limit")
    page = lead.page
    sign_in(lead, live_server, "catriona.baird@demo.example")
    page.get_by_role("link", name="Actions", exact=True).click()
    page.get_by_role("link", name="New action").click()
    page.get_by_role("heading", level=1, name="New action").wait_for()
    text = "\n".join(["Number talks each morning 🙂"] * 11)
    text += "x" * (10_000 - len(text))
    assert len(text) == 10_000 and text.count("\n") == 10
    page.get_by_label("Action", exact=True).fill("Number talks at the limit")
    page.get_by_label("Description (optional)").fill(text)
    expect(page.locator("#description-info")).to_have_text("You have 0 characters remaining")
    page.get_by_role("button", name="Create the action").click()
    page.get_by_role("heading", level=1, name="Number talks at the limit").wait_for()
    expect(page.locator(".error-summary")).to_have_count(0)
    lead.axe("action created at its limit")


def test_the_dashboard_on_a_tablet_held_upright(live_server, new_page):
    """820 px: the actions table's seven columns fit without scrolling sideways (no line saying
    it scrolls), and the filters' boxes line up in their rows (the owner's hint is below its box)."""
    lead = new_page("lead-tablet", viewport=(820, 1180))
    page = lead.page
    sign_in(lead, live_server, "catriona.baird@demo.example")
    page.get_by_role("link", name="Actions", exact=True).click()
    expect(page.locator("#results table")).to_be_visible()
    box = page.locator("#results .table-scroll")
    assert box.evaluate("b => b.scrollWidth - b.clientWidth") <= 1
    expect(page.locator("#results .scroll-hint")).to_have_count(0)
    tops = [
        page.get_by_label(name, exact=True).evaluate("e => Math.round(e.getBoundingClientRect().top)")
        for name in ("Owner", "QI")
    ]
    assert tops[0] == tops[1], tops
    lead.axe("dashboard on a tablet")
    lead.shot("dashboard-tablet")
    lead.assert_clean()
