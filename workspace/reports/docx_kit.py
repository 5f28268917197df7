"""Building blocks for Word documents that a local authority can use as they are: real heading
styles, fields Word fills in (table of contents, page X of Y), tables whose header row repeats,
landscape sections, pictures with alt text, and document properties.

Big tables are filled by copying one prepared row with lxml: python-docx's add_row() and
cell.text cost about 1.7 ms a row, and table.cell() is quadratic.
"""
from __future__ import annotations

import copy
from datetime import datetime, timezone
from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

PORTRAIT = (Cm(21.0), Cm(29.7))
BRAND = RGBColor(0x0B, 0x4F, 0x7C)


def new_document(title: str, author: str, header_text: str, subject: str = "") -> Document:
    document = Document()
    props = document.core_properties
    props.title, props.author, props.subject = title, author, subject
    props.created = props.modified = datetime.now(timezone.utc).replace(tzinfo=None)
    props.last_modified_by = author
    section = document.sections[0]
    section.page_width, section.page_height = PORTRAIT
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.0))
    section.top_margin = section.bottom_margin = Cm(2.0)
    styles = document.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(10.5)
    for level, size in ((1, 18), (2, 14), (3, 12)):
        style = styles[f"Heading {level}"]
        style.font.name, style.font.size, style.font.color.rgb = "Arial", Pt(size), BRAND
    styles["Title"].font.name = "Arial"
    _header_and_footer(section, header_text)
    _update_fields_on_open(document)
    return document


def _field(paragraph, instruction: str, placeholder: str = "1") -> None:
    """A complex field (PAGE, NUMPAGES, TOC...) with a cached result Word replaces."""
    def fld(kind):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
        return run

    fld("begin")
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run._r.append(instr)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


def _header_and_footer(section, header_text: str) -> None:
    header = section.header.paragraphs[0]
    header.text = header_text
    header.runs[0].font.size = Pt(9)
    header.runs[0].font.color.rgb = RGBColor(0x50, 0x5A, 0x5F)
    footer = section.footer.paragraphs[0]
    footer.alignment = 1  # centred
    footer.add_run("Page ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")


def _update_fields_on_open(document) -> None:
    """Word refreshes the table of contents and page numbers when the document opens."""
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def table_of_contents(document, headings: list[tuple[int, str]]) -> None:
    """A TOC field, pre-filled with the headings so it reads well even before Word updates it."""
    paragraph = document.add_paragraph()
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run._r.append(begin)
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = ' TOC \\o "1-2" \\h \\z \\u '
    run._r.append(instr)
    run = paragraph.add_run()
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(separate)
    for level, text in headings:
        entry = document.add_paragraph(text)
        entry.paragraph_format.left_indent = Cm(0.6 * (level - 1))
        entry.paragraph_format.space_after = Pt(2)
    end_paragraph = document.add_paragraph()
    run = end_paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    tr_pr.append(marker)


def _cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc_pr.append(shading)


def table(document, headers: list[str], rows: list[list[str]], widths_cm: list[float] | None = None,
          caption: str | None = None, font_size: float = 9):
    """A table with a repeating, shaded header row; rows filled by copying a prepared row."""
    if caption:
        document.add_paragraph(caption, style="Caption")
    result = document.add_table(rows=2, cols=len(headers))
    result.style = "Table Grid"
    result.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, template = result.rows
    for cell, text in zip(header.cells, headers):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold, run.font.size = True, Pt(font_size)
        _shade(cell, "D9E6F0")
    _repeat_header(header)
    for cell in template.cells:
        # A placeholder, so the run has a <w:t> for each copied row to fill in.
        cell.paragraphs[0].add_run("-").font.size = Pt(font_size)
    _cant_split(template)
    if widths_cm:
        result.autofit = False
        for column, width in zip(result.columns, widths_cm):
            column.width = Cm(width)  # the grid, which LibreOffice and Word lay out by
        for row in (header, template):
            for cell, width in zip(row.cells, widths_cm):
                cell.width = Cm(width)
    tbl, template_tr = result._tbl, template._tr
    texts_path = ".//" + qn("w:t")
    for values in rows:
        tr = copy.deepcopy(template_tr)
        for t, value in zip(tr.iterfind(texts_path), values):
            _fill(t, "" if value is None else str(value))
        tbl.append(tr)
    tbl.remove(template_tr)
    return result


def _fill(t, text: str) -> None:
    """Put text in a cell's <w:t>; line breaks become <w:br/> as Word expects."""
    lines = text.split("\n")
    t.text = lines[0]
    t.set(qn("xml:space"), "preserve")
    run = t.getparent()
    for line in lines[1:]:
        run.append(OxmlElement("w:br"))
        extra = OxmlElement("w:t")
        extra.set(qn("xml:space"), "preserve")
        extra.text = line
        run.append(extra)


def plain_table(document, headers: list[str], rows: list[list[str]], **kwargs):
    """The same table the slow, ordinary python-docx way: for the benchmark's comparison only."""
    result = document.add_table(rows=1, cols=len(headers))
    result.style = "Table Grid"
    for cell, text in zip(result.rows[0].cells, headers):
        cell.text = text
    _repeat_header(result.rows[0])
    for values in rows:
        cells = result.add_row().cells
        for cell, value in zip(cells, values):
            cell.text = "" if value is None else str(value)
    return result


def landscape(document) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = PORTRAIT[1], PORTRAIT[0]


def portrait(document) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PORTRAIT


def picture(document, png: bytes, width_cm: float, alt_text: str, title: str = "") -> None:
    shape = document.add_picture(BytesIO(png), width=Cm(width_cm))
    doc_pr = shape._inline.docPr
    doc_pr.set("descr", alt_text)
    if title:
        doc_pr.set("title", title)


def bullet(document, text: str, bold_prefix: str = "") -> None:
    paragraph = document.add_paragraph(style="List Bullet")
    if bold_prefix:
        paragraph.add_run(bold_prefix).bold = True
    paragraph.add_run(text)


def label_value(document, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(value or "—")


def to_bytes(document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
