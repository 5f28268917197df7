"""The dashboard's summary tables: actions by status in each school, and the coverage of QIs and
IGBE priorities, each a fragment of its own with a page of its own."""

import pytest

from tests.conftest import html
from tests.dashboard_board import TODAY
from workspace.actions import summaries
from workspace.extensions import db


def test_counts_and_coverage(app, world, board):
    with app.app_context():
        from workspace.models import Partnership

        partnership = db.session.get(Partnership, world["a"]["partnership_id"])
        schools = summaries.school_rows(summaries.schools_of(partnership.id))
        counts = summaries.status_counts(partnership.id, today=TODAY)
        s1 = str(world["a"]["school_ids"][0])
        assert counts[s1]["total"] == 3 and counts[s1]["overdue"] == 1
        assert counts["none"]["by_status"]["on_hold"] == 1
        qi = summaries.qi_coverage(partnership.id, schools)
        assert qi.count(s1, "2.3") == 1 and qi.count(s1, "1.1") == 1 and qi.count("none", "2.3") == 1
        assert qi.count(str(world["a"]["school_ids"][1]), "2.3") == 0
        assert [c for c, _ in qi.columns][:3] == ["1.1", "1.2", "1.3"] and len(qi.columns) == 15
        igbe = summaries.igbe_coverage(partnership.id, schools)
        assert igbe.count(s1, "KA1") == 1 and igbe.count(str(world["a"]["school_ids"][1]), "KA1") == 1


def test_counts_by_school_are_read_from_an_index_alone(app, world):
    """Every action of a partnership is counted for the table: from the index, not each row."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's query plan")
        compiled = summaries._STATUS_COUNTS.compile(db.engine)
        values = {"today": TODAY.isoformat(), "partnership_id": world["a"]["partnership_id"]}
        params = compiled.construct_params(values)
        plan = db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled), tuple(params[name] for name in compiled.positiontup)
        )
        details = " ".join(row[-1] for row in plan)
        assert "COVERING INDEX ix_action_partnership_school_status" in details, details
        assert "TEMP B-TREE" not in details, details


@pytest.mark.parametrize("statement", ["_QI_COUNTS", "_IGBE_COUNTS"])
def test_coverage_reads_only_the_links_of_the_elements_it_counts(app, world, statement):
    """The links are found in the index by element, from the elements of the table's kinds: the
    IGBE table does not read (and join to their actions) the links to QIs, nor the QI table those
    to priorities. (The test database has no ANALYZE statistics: the plan is SQLite's default.)"""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's query plan")
        compiled = (
            getattr(summaries, statement)
            .params(partnership_id=world["a"]["partnership_id"])
            .compile(db.engine, compile_kwargs={"literal_binds": True})
        )
        plan = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled))
        details = " ".join(row[-1] for row in plan)
        assert "ix_framework_link_partnership_type_element" in details, details
        assert "record_type=? AND element_id=?" in details, details


@pytest.mark.parametrize(
    "summary, expected",
    [
        ("by-school", ["Actions by status in each school", "?school={s1}&amp;overdue=1"]),
        ("qi", ["Coverage of quality indicators", "?school={s1}&amp;qi=2.3", "?school=none&amp;qi=2.3"]),
        ("igbe", ["Coverage of IGBE priorities", "?school={s1}&amp;igbe=KA1"]),
    ],
)
def test_summary_tables_come_as_fragments_and_pages(client, world, board, summary, expected):
    client.sign_in(world["a"]["reviewer"])
    base = f"/p/{world['a']['partnership_id']}/actions/"
    expected = [e.format(s1=world["a"]["school_ids"][0]) for e in expected]
    dashboard_page = html(client.get(base))
    # The dashboard names each table and loads it when it scrolls into view; without JavaScript, a link.
    assert f'hx-get="{base}summary/{summary}" hx-trigger="revealed"' in dashboard_page
    assert f'<a href="{base}summary/{summary}">' in dashboard_page
    assert "coverage" not in dashboard_page.split('id="summary-by-school"')[1].split("</section>")[0]
    fragment = client.get(f"{base}summary/{summary}", htmx=True)
    body = html(fragment)
    assert fragment.status_code == 200 and body.lstrip().startswith(f'<section id="summary-{summary}"')
    assert "<html" not in body and all(e in body for e in expected), body[:3000]
    page = html(client.get(f"{base}summary/{summary}"))
    assert "<html" in page and all(e in page for e in expected)
    # A cell's link is the dashboard with that cell's filters, and it finds what the cell counts.
    if summary == "qi":
        filtered = html(client.get(f"{base}?school={world['a']['school_ids'][0]}&qi=2.3", htmx=True))
        assert "Fraction walls overdue" in filtered and "Careers evening" not in filtered


def test_a_summary_that_does_not_exist_is_404(client, world):
    client.sign_in(world["a"]["lead"])
    assert client.get(f"/p/{world['a']['partnership_id']}/actions/summary/everything").status_code == 404


def test_the_filter_offers_the_qis_and_priorities_the_coverage_tables_show(app, world):
    """The filter's two lists come in one query, in the coverage tables' order."""
    with app.app_context():
        columns = summaries.filter_columns()
        assert columns == {"qi_columns": summaries.qi_columns(), "igbe_columns": summaries.igbe_columns()}
        assert len(columns["qi_columns"]) == 15 and columns["igbe_columns"][0][0] == "KA1"
