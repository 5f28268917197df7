"""Evidence files in the reports: the photos and documents attached to starred evidence of impact
(the interim report) and to highlighted observations and pupil voice (the trio record).

Gathered in one query a kind of record (evidence/services.files_for), as plain data the report page
and the Word writer both read: images as thumbnails with their captions (the caption is the
picture's alt text and the line under it), other files by caption and type. A piece of evidence
shows at most SHOWN_FILES of its files; the rest are counted and listed in the workbook's Files
sheet. A thumbnail whose blob has gone from the store reads "(file missing)": the report still builds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.table import Table, _Cell

from ..evidence import kind_of, services, storage

SHOWN_FILES = 3  # a piece of evidence's files shown in the body; the workbook lists them all
THUMBNAIL_CM = 5.0  # the longest side of a thumbnail in the document
MISSING = "(file missing)"


@dataclass
class FileShown:
    id: int
    partnership_id: int
    caption: str
    content_type: str
    thumbnail_key: str | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/") and self.thumbnail_key is not None

    @property
    def listed(self) -> str:
        """How a file that is not shown as a picture is named: "Survey results (PDF)"."""
        return f"{self.caption} ({kind_of(self.content_type)})"


@dataclass
class FilesShown:
    """What a report shows of one record's files."""

    images: list[FileShown]
    others: list[FileShown]
    more: int = 0  # files beyond SHOWN_FILES, in the workbook

    @property
    def more_line(self) -> str:
        if not self.more:
            return ""
        return f"And {self.more} more file{'s' if self.more != 1 else ''} in the workbook (Files)."


def shown(files: list[FileShown], limit: int = SHOWN_FILES) -> FilesShown:
    first = files[:limit]
    return FilesShown(
        [f for f in first if f.is_image], [f for f in first if not f.is_image], max(0, len(files) - limit)
    )


def files_of(record_type: str, record_ids: Iterable[int]) -> dict[int, list[FileShown]]:
    """The files of many records of one kind, by record id: one query."""
    return {
        record_id: [
            FileShown(f.id, f.partnership_id, f.caption, f.content_type, f.thumbnail_key) for f in files
        ]
        for record_id, files in services.files_for(record_type, record_ids).items()
    }


# Writing them into a Word document ---------------------------------------------------------------------


def _thumbnail(key: str) -> bytes | None:
    try:
        return storage.store().get(key)
    except FileNotFoundError:
        return None


def _size(content: bytes) -> dict:
    """The picture's width or height, whichever is longer, THUMBNAIL_CM: a portrait photo as tall."""
    from PIL import Image

    with Image.open(BytesIO(content)) as image:
        width, height = image.size
    return {"width": Cm(THUMBNAIL_CM)} if width >= height else {"height": Cm(THUMBNAIL_CM)}


def _no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    table._tbl.tblPr.append(borders)


def _caption(paragraph, text: str) -> None:
    paragraph.style = paragraph.part.document.styles["Caption"]
    paragraph.add_run(text)


def write_files(container, files: FilesShown) -> None:
    """The files under a piece of evidence, into `container` (a table cell or the document): the
    images side by side, each with its caption under it and as its alt text; then the others."""
    if files.images:
        grid = container.add_table(rows=1, cols=len(files.images))
        _no_borders(grid)
        for cell, image in zip(grid.rows[0].cells, files.images, strict=True):
            cell.width = Cm(THUMBNAIL_CM + 0.5)
            picture = cell.paragraphs[0]
            content = _thumbnail(image.thumbnail_key or "")
            if content is None:
                picture.add_run(MISSING)
            else:
                shape = picture.add_run().add_picture(BytesIO(content), **_size(content))
                shape._inline.docPr.set("descr", image.caption)
                shape._inline.docPr.set("title", image.caption)
            _caption(cell.add_paragraph(), image.caption)
    if files.others:
        _caption(container.add_paragraph(), "Files: " + "; ".join(f.listed for f in files.others))
    if files.more:
        _caption(container.add_paragraph(), files.more_line)


def write_into_rows(document, table_element, files_by_row: dict[int, FilesShown]) -> None:
    """The files under the rows of a table just written (docx_kit.table): row numbers as its rows'
    (the header row not counted)."""
    table = Table(table_element, document._body)
    rows = table_element.findall(qn("w:tr"))[1:]
    for number, files in files_by_row.items():
        if number < len(rows):
            cell = _Cell(rows[number].findall(qn("w:tc"))[0], table)
            write_files(cell, files)
