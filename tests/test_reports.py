"""The interim report as a Word document (and the export command, LibreOffice, our template), read
back with python-docx: structure, fields, tables against the database,
filters, and nothing from another partnership. Converted through LibreOffice where it is installed."""

import io
import os
import re
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn
from sqlalchemy import select

from tests.conftest import html
from workspace.extensions import db
from workspace.models import (
    Action,
    Activity,
)
from workspace.reports import data, documents

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def reports_url(world, side="a"):
    return f"/p/{world[side]['partnership_id']}/reports"


def download(client, url, data):
    response = client.post(url, data=data)
    assert response.status_code == 200, html(response)[:1500]
    assert response.mimetype == DOCX
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    return Document(io.BytesIO(response.data)), response.data


def headings(document):
    return [
        (int(p.style.name.split()[-1]), p.text)
        for p in document.paragraphs
        if p.style.name.startswith("Heading")
    ]


def instructions(part_element):
    return " ".join(t.text for t in part_element.iter(qn("w:instrText")))


def all_table_text(document):
    return [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]


def interim_form(world, side="a", **changes):
    form = {
        "period_from": "2026-09-01",
        "period_to": "2026-11-30",
        "schools": [str(s) for s in world[side]["school_ids"]],
    }
    form.update(changes)
    return form


def test_interim_report_structure(client, world, app, dated):
    client.sign_in(world["a"]["reviewer"])  # reviewers download reports
    page = client.get(f"{reports_url(world)}/")
    assert "Download the interim report (Word)" in html(page)
    assert html(client.get(f"{reports_url(world)}/", htmx=True)).lstrip().startswith('<section id="interim"')
    document, raw = download(client, f"{reports_url(world)}/interim", interim_form(world))

    assert document.core_properties.title.startswith("Partnership Alpha: interim report")
    assert (
        document.core_properties.author == "Reviewer Alpha" and document.core_properties.created is not None
    )
    # Headings in order, with the built-in styles Word's navigation pane and TOC use.
    with app.app_context():
        report = data.interim(
            db.session.get(__import__("workspace").models.Partnership, world["a"]["partnership_id"]),
            date(2026, 9, 1),
            date(2026, 11, 30),
        )
    expected = documents.interim_outline(report)
    found = [h for h in headings(document) if h[0] <= 2]
    assert found == expected
    # The contents: every entry a link to its heading's bookmark, in the TOC styles.
    bookmarks = {b.get(qn("w:name")) for b in document.element.body.iter(qn("w:bookmarkStart"))}
    links = [h for h in document.element.body.iter(qn("w:hyperlink")) if h.get(qn("w:anchor"))]
    assert ["".join(t.text or "" for t in h.iter(qn("w:t"))) for h in links] == [text for _, text in expected]
    assert {h.get(qn("w:anchor")) for h in links} <= bookmarks
    assert "PAGEREF" in instructions(document.element.body)
    body = document.element.body
    footer = document.sections[0].footer._element
    assert "PAGE" in instructions(footer) and "NUMPAGES" in instructions(footer)
    header = document.sections[0].header.paragraphs[0].text
    assert (
        header.startswith("OFFICIAL-SENSITIVE")
        and "Partnership Alpha: interim report · Draft · produced" in header
    )
    assert document.sections[0].different_first_page_header_footer  # the title page has no running header
    # The body's tables fit a portrait page: the long lists are in the workbook.
    # Every table repeats its header row on each page.
    for table in document.tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    # The chart, with alt text.
    doc_prs = list(body.iter(qn("wp:docPr")))
    assert doc_prs and doc_prs[0].get("descr").startswith(
        "Bar chart of actions by status at the end of the period for each quality indicator. STEM 2.3: 1 action"
    )
    assert b"word/media/image1.png" in raw


def test_every_table_of_the_interim_report_fits_the_width_of_its_page_and_says_no_update_yet(
    client, world, app, dated
):
    """Word lays a table out by its grid: a grid wider than the text runs off the page's edge."""
    with app.app_context():
        db.session.add(
            Action(
                partnership_id=world["a"]["partnership_id"],
                title="Overdue, with no update: flagged",
                school_id=world["a"]["school_ids"][0],
                due_date=date(2026, 10, 1),
                status="in_progress",
            )
        )
        db.session.commit()
    client.sign_in(world["a"]["lead"])
    document, _ = download(client, f"{reports_url(world)}/interim", interim_form(world))
    flagged = [row for row in all_table_text(document) if "Overdue, with no update: flagged" in row[0]]
    assert flagged and flagged[0][5] == "No update yet"
    section = document.sections[0]
    text_width = section.page_width - section.left_margin - section.right_margin  # portrait: the body's
    for table in document.tables:
        columns = [int(col.get(qn("w:w"))) for col in table._tbl.iter(qn("w:gridCol"))]
        # (635 EMU a twip; each column's width in centimetres is rounded to a twip.)
        assert sum(columns) <= text_width / 635 + len(columns), (columns, table.rows[0].cells[0].text)


def test_interim_tables_match_the_database_and_leave_out_other_partnerships(client, world, app, dated):
    client.sign_in(world["a"]["lead"])
    document, _ = download(client, f"{reports_url(world)}/interim", interim_form(world))
    rows = all_table_text(document)
    flat = " ".join(" ".join(r) for r in rows)
    with app.app_context():
        action = db.session.get(Action, world["a"]["action_id"])
        title, owner = action.title, action.owner.name
    # The action is listed once, under Exceptions: no update in the four weeks before the period's end.
    assert [
        title,
        "Alpha Primary School",
        owner,
        "In progress",
        "",
        "5 Oct 2026",
        "No update in 4 weeks",
    ] in rows
    assert "Alpha Primary School" in flat and "Alpha High School" in flat
    assert "Beta" not in flat and "Learned in b" not in " ".join(p.text for p in document.paragraphs)
    text = " ".join(p.text for p in document.paragraphs)
    assert "Learned in a" in text and "Counted on fingers, then used the fraction wall." in text
    assert "Pupil A" in text  # case pupils as labels and descriptors only
    assert (
        "QI 2.3" in flat
        and "– STEM framework (2019)" in flat
        and "(STEM framework (2019))" not in flat
        and "Crown copyright" in text
    )


def test_period_and_school_filters(client, world, app, dated):
    client.sign_in(world["a"]["lead"])
    # A period before anything happened: no trio lessons, no progress.
    document, _ = download(
        client,
        f"{reports_url(world)}/interim",
        interim_form(world, period_from="2026-01-01", period_to="2026-02-01"),
    )
    text = " ".join(p.text for p in document.paragraphs)
    assert "No research lessons were taught at these schools in the period." in text
    assert ["Progress updates posted", "0"] in all_table_text(document)
    assert "No evidence of impact was posted in the period." in text
    # Only the second school: the first school's action and lesson are left out.
    document, _ = download(
        client,
        f"{reports_url(world)}/interim",
        interim_form(world, schools=[str(world["a"]["school_ids"][1])]),
    )
    flat = " ".join(" ".join(r) for r in all_table_text(document))
    assert "Fraction walls in every P5-P7 class" not in flat and "Alpha Primary School" not in flat
    assert "Alpha High School" in flat


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"period_from": "2026-12-01", "period_to": "2026-01-01"}, "on or after its start"),
        ({"schools": []}, "Choose at least one school."),
        ({"period_from": ""}, "Enter the first day of the period."),
    ],
)
def test_interim_form_errors_are_422(client, world, changes, message):
    client.sign_in(world["a"]["lead"])
    response = client.post(f"{reports_url(world)}/interim", data=interim_form(world, **changes))
    assert response.status_code == 422 and message in html(response)


def test_exports_are_recorded_in_the_activity_feed(client, world, app, dated):
    client.sign_in(world["a"]["lead"])
    download(client, f"{reports_url(world)}/interim", interim_form(world))
    download(client, f"{reports_url(world)}/trios/{world['a']['trio_id']}", {})
    with app.app_context():
        verbs = db.session.scalars(select(Activity.summary).where(Activity.verb == "exported")).all()
    assert any("interim report" in v for v in verbs) and any("lesson-study record" in v for v in verbs)


def test_export_command(app, world, dated, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "interim.docx"
    result = runner.invoke(
        args=[
            "export",
            "interim",
            "--partnership",
            str(world["a"]["partnership_id"]),
            "--from",
            "2026-09-01",
            "--to",
            "2026-11-30",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    assert Document(str(out)).core_properties.title.startswith("Partnership Alpha")
    result = runner.invoke(
        args=["export", "trio", "--trio", str(world["a"]["trio_id"]), "-o", str(tmp_path / "t.docx")]
    )
    assert result.exit_code == 0
    result = runner.invoke(
        args=[
            "export",
            "selfeval",
            "--school",
            str(world["a"]["school_ids"][0]),
            "-o",
            str(tmp_path / "s.docx"),
        ]
    )
    assert result.exit_code == 0
    bad = runner.invoke(
        args=[
            "export",
            "selfeval",
            "--school",
            str(world["a"]["school_ids"][1]),
            "-o",
            str(tmp_path / "x.docx"),
        ]
    )
    assert bad.exit_code != 0 and "no self-evaluation" in bad.output
    assert "interim" in runner.invoke(args=["export", "--help"]).output


def _soffice():
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    not _soffice() and os.environ.get("REQUIRE_SOFFICE") != "1",
    reason="LibreOffice (soffice) is not installed: the PDF conversion check is SKIPPED",
)
def test_documents_convert_to_pdf_through_libreoffice(client, world, app, dated, tmp_path):
    assert _soffice(), "REQUIRE_SOFFICE=1 but soffice is missing"
    client.sign_in(world["a"]["lead"])
    files = {}
    for name, url, form in (
        ("interim", f"{reports_url(world)}/interim", interim_form(world)),
        ("trio", f"{reports_url(world)}/trios/{world['a']['trio_id']}", {}),
        (
            "selfeval",
            f"{reports_url(world)}/schools/{world['a']['school_ids'][0]}/self-evaluation",
            {"on": "2026-09-01"},
        ),
    ):
        _, raw = download(client, url, form)
        path = tmp_path / f"{name}.docx"
        path.write_bytes(raw)
        files[name] = path
    subprocess.run(
        [
            _soffice(),
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *map(str, files.values()),
        ],
        check=True,
        timeout=180,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for name in files:
        pdf = (tmp_path / f"{name}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") >= 1
    # In LibreOffice every contents entry is a link to its heading.
    document = Document(str(files["interim"]))
    entries = [p for p in document.paragraphs if p.style.name in ("toc 1", "toc 2")]
    interim_pdf = (tmp_path / "interim.pdf").read_bytes()
    assert len(entries) >= 10 and len(re.findall(rb"/Subtype\s*/Link", interim_pdf)) >= len(entries)


def test_table_text_survives_markup_control_characters_and_line_breaks():
    from workspace.reports import docx_kit

    document = docx_kit.new_document("T", "A", "H")
    values = [
        ["<b>&amp;</b>", "line one\r\nline two", "bell\x07 and null\x00 gone"],
        ["private \ue000 character", "a\ttab", None],
    ]
    docx_kit.table(document, ["One", "Two", "Three"], values)
    docx_kit.table(document, ["Only"], [["second table"]])
    read = Document(io.BytesIO(docx_kit.to_bytes(document)))
    first = [[c.text for c in row.cells] for row in read.tables[0].rows]
    assert first[1] == ["<b>&amp;</b>", "line one\nline two", "bell and null gone"]
    assert first[2] == ["private \ue000 character", "a\ttab", ""]
    assert read.tables[1].rows[1].cells[0].text == "second table"
    assert read.tables[0].rows[2].cells[1]._tc.findall(".//" + qn("w:tab"))  # Word's tab, not a character


def test_our_template_arial_en_gb_true_properties_and_a_fresh_id(client, world, dated):
    import zipfile

    client.sign_in(world["a"]["lead"])
    _, first = download(client, f"{reports_url(world)}/interim", interim_form(world))
    _, second = download(client, f"{reports_url(world)}/interim", interim_form(world))
    package = zipfile.ZipFile(io.BytesIO(first))
    everything = b" ".join(package.read(name) for name in package.namelist() if name.endswith(".xml"))
    assert b"python-docx" not in everything and b"Macintosh" not in everything
    styles = package.read("word/styles.xml").decode()
    assert not re.search(r"w:(ascii|hAnsi|eastAsia|cs)[Tt]heme=", styles)  # no theme font overrides Arial
    assert 'w:ascii="Arial"' in styles and 'w:lang w:val="en-GB"' in styles
    assert (
        'w:styleId="TOC1"' in styles and 'w:styleId="TOC2"' in styles and 'w:styleId="TOCHeading"' in styles
    )
    theme = package.read("word/theme/theme1.xml").decode()
    assert (
        '<a:latin typeface="Arial"/>' in theme
        and "Calibri" not in theme.split("<a:fontScheme")[1].split("<a:ea")[0]
    )
    assert "<Application>Partnership Workspace</Application>" in package.read("docProps/app.xml").decode()
    settings = package.read("word/settings.xml").decode()
    assert "updateFields" not in settings  # no prompt on opening
    doc_id = re.compile(r'w14:docId w14:val="([0-9A-F]+)"')
    other = zipfile.ZipFile(io.BytesIO(second)).read("word/settings.xml").decode()
    assert doc_id.search(settings).group(1) != doc_id.search(other).group(1)


@pytest.mark.parametrize(
    "peak, step", [(1, 1), (5, 1), (6, 2), (10, 2), (11, 5), (25, 5), (26, 10), (120, 50), (999, 200)]
)
def test_chart_gridlines_are_round(peak, step):
    from workspace.reports.charts import round_step

    assert round_step(peak) == step
