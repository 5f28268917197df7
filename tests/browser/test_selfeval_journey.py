"""A teacher writes a self-evaluation beside the framework's wording, cites evidence, makes a
follow-up action; the lead reads the partnership table and the pro-forma."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation_journey import sign_in

pytestmark = pytest.mark.browser


def _hints_say_which_tables_scroll(page) -> bool:
    """Is the line saying a table scrolls shown above each table that does, and only those, and
    is it that table's description (what a screen reader says on reaching it)?"""
    answers = page.evaluate(
        """() => Array.from(document.querySelectorAll(".table-scroll")).map((box) => {
            const hint = box.previousElementSibling;
            const shown = !!hint && hint.classList.contains("scroll-hint") && !hint.hidden;
            const wide = box.scrollWidth - box.clientWidth > 1;
            const described = shown
                ? box.getAttribute("aria-describedby") === hint.id
                : !box.hasAttribute("aria-describedby");
            return shown === wide && described;
        })"""
    )
    return bool(answers) and all(answers)


def test_write_a_self_evaluation_with_evidence_and_a_follow_up_action(live_server, new_page):
    teacher = new_page("selfeval-teacher")
    page = teacher.page
    sign_in(teacher, live_server, "callum.fraser@demo.example")
    page.get_by_role("link", name="Self-evaluation").click()
    teacher.axe("self-evaluation table")
    page.get_by_role("link", name="Carronbank High School").click()
    teacher.axe("school history")
    page.go_back()
    # From the partnership's page: the school is asked next, the teacher's own already chosen.
    page.get_by_role("link", name="Record a self-evaluation").click()
    page.get_by_role("heading", level=1, name="Record a self-evaluation").wait_for()
    teacher.axe("which school")
    expect(page.get_by_label("Carronbank High School")).to_be_checked()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role(
        "heading", level=1, name="Record a self-evaluation for Carronbank High School"
    ).wait_for()
    teacher.axe("new self-evaluation, nothing chosen")

    # Choosing the theme brings its progression statements and challenge questions, without a reload.
    page.get_by_label("What are you evaluating?").select_option(label="Learning and engagement")
    expect(
        page.get_by_role("heading", name="QI 2.3: Learning and engagement (STEM framework theme)")
    ).to_be_visible()
    expect(page.get_by_text("Challenge questions for QI 2.3")).to_be_visible()
    expect(page).to_have_url(re.compile(r"element_id=\d+"))
    teacher.axe("new self-evaluation with its theme")
    page.get_by_label("Building on achievements").check()
    page.get_by_label("How well are we doing?").fill(
        "Most S1 learners take part in enquiry; girls now explain their reasoning."
    )
    page.get_by_label("How do we know? What evidence do we have?").fill(
        "Lesson-study observations and a tally of contributions."
    )
    page.get_by_label(re.compile("Paired talk before whole-class explanation in maths")).check()
    page.get_by_label("What are we going to do now?").fill("Take paired talk into S2 science.")
    teacher.shot("new")
    page.get_by_role("button", name="Save the self-evaluation").click()
    expect(page.get_by_text("The self-evaluation has been saved.")).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile("Paired talk before whole-class explanation in maths"))
    ).to_be_visible()
    teacher.axe("self-evaluation")

    page.get_by_role("textbox", name="Action").fill("Paired talk in S2 science")
    page.get_by_label("Owner").select_option(label="Callum Fraser")
    page.get_by_role("button", name="Create the action").click()
    expect(page.locator("#follow-up").get_by_role("link", name="Paired talk in S2 science")).to_be_visible()
    teacher.axe("self-evaluation with its action")
    teacher.shot("detail")

    lead = new_page("selfeval-lead", viewport=(768, 1024))
    sign_in(lead, live_server, "catriona.baird@demo.example")
    lead.page.get_by_role("link", name="Self-evaluation").click()
    expect(lead.page.get_by_role("table", name="Latest levels by school and QI")).to_be_visible()
    lead.page.wait_for_load_state("load")  # the stylesheet applied, or an unstyled table is wide
    assert lead.page.evaluate("document.documentElement.scrollWidth") <= 768
    # The table is wider than the tablet: a line says so, the right edge fades, the schools stay in
    # view while the QIs scroll, and at the far end the fade moves to nothing more on the right.
    scroller = lead.page.get_by_role("region", name="Latest levels by school and QI")
    expect(lead.page.get_by_text("This table is wider than the screen: scroll it sideways")).to_be_visible()
    expect(scroller).to_have_attribute("data-more-right", "")
    school = lead.page.get_by_role("rowheader", name="Carronbank High School")
    left = school.bounding_box()["x"]
    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    expect(scroller).not_to_have_attribute("data-more-right", "")
    expect(scroller).to_have_attribute("data-more-left", "")
    assert school.bounding_box()["x"] == left
    scroller.evaluate("box => { box.scrollLeft = 0; }")
    assert _hints_say_which_tables_scroll(lead.page)
    lead.axe("partnership table on a tablet")
    # The table narrows inside a box whose size does not (columns taken out, as a table brought
    # again might be): the line follows the table, not only the box.
    hint = lead.page.get_by_text("This table is wider than the screen: scroll it sideways")
    scroller.evaluate(
        """box => {
            box.style.height = box.getBoundingClientRect().height + "px";
            box.querySelectorAll("tr").forEach((row) => {
                Array.from(row.children).slice(2).forEach((cell) => cell.remove());
            });
        }"""
    )
    expect(hint).to_be_hidden()
    expect(scroller).not_to_have_attribute("aria-describedby", re.compile(".*"))
    lead.page.reload()
    # A lead chooses among the partnership's schools.
    lead.page.get_by_role("link", name="Record a self-evaluation").click()
    lead.page.get_by_role("heading", level=1, name="Record a self-evaluation").wait_for()
    lead.axe("which school, for a lead")  # before moving on: the page's own run finishes first
    lead.page.get_by_role("button", name="Continue").click()
    expect(lead.page.get_by_text("Choose the school you are evaluating.").first).to_be_visible()
    lead.axe("which school, none chosen")
    lead.page.get_by_label("Carronbank High School").check()
    lead.page.get_by_role("button", name="Continue").click()
    lead.page.get_by_role(
        "heading", level=1, name="Record a self-evaluation for Carronbank High School"
    ).wait_for()
    lead.axe("new self-evaluation for the lead")
    lead.page.goto(lead.page.url.split("/schools/")[0])
    lead.page.get_by_role("link", name="Carronbank High School").click()
    lead.axe("school history for the lead")
    lead.page.get_by_role("link", name="The pro-forma").click()
    expect(
        lead.page.get_by_role(
            "heading", name="STEM – Our self-evaluation, evidence and actions for improvement"
        )
    ).to_be_visible()
    expect(lead.page.get_by_text("Take paired talk into S2 science.").first).to_be_visible()
    lead.axe("pro-forma")
    assert _hints_say_which_tables_scroll(lead.page)
    lead.shot("proforma")
    teacher.assert_clean()
    lead.assert_clean()
