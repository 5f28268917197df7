"""Evidence files in the reports: starred evidence's photos as thumbnails (alt text = caption) in the
interim report's page and .docx, other files by caption and type, "(file missing)" for a blob
that has gone; the highlighted observation's photo in the trio record; the workbook's Files sheet;
and the report page's statements not growing with the files."""

import io

from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import html
from tests.evidence_samples import pdf
from tests.factories import small_png
from tests.statements import recorded
from workspace.actions import services as actions
from workspace.evidence import services as evidence
from workspace.evidence import storage
from workspace.extensions import db
from workspace.models import (
    Action,
    InterimReport,
    Observation,
    Partnership,
    ProgressUpdate,
    PupilVoice,
    Trio,
    User,
)
from workspace.reports import documents, drafts, records
from workspace.reports.docx_kit import to_bytes

BOARD = "P6 display board of fraction walls"


def _attach(update, user, content, name, caption):
    return evidence.attach("progress_update", update, user, evidence.Upload(content, name, caption))[0]


def _star_with_files(world, side="a"):
    """The side's progress update, starred, with a photo and a PDF."""
    from workspace.frameworks import linking

    linking.set_links(
        world[side]["partnership_id"], "action", world[side]["action_id"], [world[side]["element_id"]]
    )
    update = db.session.get(ProgressUpdate, world[side]["update_id"])
    update.evidence = "Exit tickets: 78% secure on equivalence."
    actions.star(update, True)
    lead = db.session.scalar(select(User).where(User.email == world[side]["lead"]))
    photo = _attach(update, lead, small_png("orange", (64, 48)), "board.png", BOARD)
    _attach(update, lead, pdf(), "survey.pdf", "Pupil survey results")
    return photo


def _docx_of_report(world):
    report = drafts.report_data(db.session.get(InterimReport, world["a"]["report_id"]))
    return Document(io.BytesIO(to_bytes(documents.interim_report(report, "Lead Alpha"))))


def _pictures(document):
    return [
        (doc_pr.get("descr"), doc_pr.getparent())
        for doc_pr in document.element.body.iter(qn("wp:docPr"))
        if doc_pr.getparent().tag == qn("wp:inline")
    ]


def _texts(document):
    """Every paragraph's text, in the body's tables (and theirs) too."""
    return ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in document.element.body.iter(qn("w:p"))]


def test_starred_evidence_shows_its_photo_and_lists_its_other_files(app, client, world):
    with app.app_context():
        photo = _star_with_files(world)
        _star_with_files(world, "b")  # another partnership's: in neither report nor workbook
        db.session.commit()
        document = _docx_of_report(world)
        pictures = [descr for descr, _ in _pictures(document) if descr != "" and "chart" not in descr]
        assert pictures == [BOARD]
        assert any(part.partname.startswith("/word/media/") for part in document.part.package.iter_parts())
        texts = _texts(document)
        assert BOARD in texts  # the caption under the picture
        assert "Files: Pupil survey results (PDF)" in texts
        # A thumbnail whose blob has gone: the report still builds and says so.
        storage.store().delete(photo.thumbnail_key)
        texts = _texts(_docx_of_report(world))
        assert "(file missing)" in texts and "Files: Pupil survey results (PDF)" in texts

    client.sign_in(world["a"]["reviewer"])
    base = f"/p/{world['a']['partnership_id']}"
    page = html(client.get(f"{base}/reports/drafts/{world['a']['report_id']}"))
    assert f'<img src="{base}/files/{photo.id}/thumbnail" alt="{BOARD}"' in page
    assert ">Pupil survey results (PDF)</a>" in page

    book = client.post(f"{base}/reports/drafts/{world['a']['report_id']}/xlsx")
    sheet = load_workbook(io.BytesIO(book.data))["Files"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in sheet[1]][:3] == ["Record", "Action or trio", "Lesson"]
    by_caption = {row[6]: row for row in rows}
    assert set(by_caption) == {BOARD, "Pupil survey results", "Pupil A's fraction wall"}
    update_row = by_caption["Pupil survey results"]
    assert update_row[:5] == [
        "Progress update",
        "Fraction walls in every P5-P7 class",
        None,
        None,
        "Alpha Primary School",
    ]
    assert update_row[7:10] == ["PDF", round(len(pdf()) / 1024, 1), "Lead Alpha"]
    assert update_row[11] == "Yes"
    observation_row = by_caption["Pupil A's fraction wall"]
    assert observation_row[:5] == [
        "Observation",
        "Partnership Alpha fractions trio",
        "Cycle 1, lesson 1",
        "Pupil A",
        "Alpha Primary School",
    ]
    assert observation_row[7] == "JPEG image"


def test_the_trio_record_shows_the_highlighted_observations_photo(app, world):
    with app.app_context():
        db.session.get(Observation, world["a"]["observation_id"]).is_highlight = True
        note = db.session.get(PupilVoice, world["a"]["note_id"])
        note.is_highlight = True
        lead = db.session.scalar(select(User).where(User.email == world["a"]["lead"]))
        evidence.attach("pupil_voice", note, lead, evidence.Upload(pdf(), "v.pdf", "Interview notes"))
        trio = db.session.get(Trio, world["a"]["trio_id"])
        document = Document(io.BytesIO(to_bytes(documents.trio_record(records.trio_record(trio), "Lead"))))
        assert [descr for descr, _ in _pictures(document)] == ["Pupil A's fraction wall"]
        texts = _texts(document)
        assert "Photos and files of highlighted observations" in texts
        assert "Pupil A, Starter: Counted on fingers, then used the fraction wall." in texts
        assert "Pupil A's fraction wall" in texts
        assert "Photos and files of highlighted pupil voice" in texts
        assert "Pupil A: “The wall.”" in texts and "Files: Interview notes (PDF)" in texts


def test_the_report_pages_statements_do_not_grow_with_starred_files(app, client, world):
    """The files of every starred update shown come in one query, however many there are."""

    def grow(count):
        with app.app_context():
            partnership = db.session.get(Partnership, world["a"]["partnership_id"])
            lead = db.session.scalar(select(User).where(User.email == world["a"]["lead"]))
            for n in range(count):
                action = actions.create_action(
                    partnership, lead, f"Action {n}", "", world["a"]["school_ids"][0], lead.id, None,
                    "in_progress", [world["a"]["element_id"]],
                )  # fmt: skip
                update = actions.post_progress(action, lead, "Going.", f"Evidence {n}.", None)
                actions.star(update, True)
                _attach(update, lead, small_png(size=(8 + n, 8)), "a.png", f"Photo {n}")
                _attach(update, lead, pdf(), "a.pdf", f"Document {n}")
            db.session.commit()
            return db.session.scalar(select(db.func.count(Action.id)))

    client.sign_in(world["a"]["lead"])
    url = f"/p/{world['a']['partnership_id']}/reports/drafts/{world['a']['report_id']}"
    grow(1)
    client.get(url)

    def count():
        with recorded(app) as statements:
            response = client.get(url)
        assert response.status_code == 200 and "Photo 0" in html(response)
        return len(statements)

    small = count()
    grow(5)
    assert count() == small


def test_a_piece_of_evidence_shows_its_first_three_files_and_counts_the_rest():
    from workspace.reports.evidence_figures import FileShown, shown

    files = [FileShown(n, 1, f"Photo {n}", "image/jpeg", f"{n:064x}") for n in range(4)]
    files.append(FileShown(9, 1, "Survey", "application/pdf"))
    files.insert(1, FileShown(8, 1, "Notes", "text/plain"))
    result = shown(files)
    assert [f.caption for f in result.images] == ["Photo 0", "Photo 1"]
    assert [f.listed for f in result.others] == ["Notes (plain text)"]
    assert result.more_line == "And 3 more files in the workbook (Files)."
