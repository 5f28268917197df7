"""Building blocks for Word documents that a local authority can use as they are: real heading
styles, fields Word fills in (table of contents, page X of Y), tables whose header row repeats,
landscape sections, pictures with alt text, and document properties.

Big tables are filled by copying one prepared row with lxml: python-docx's add_row() and
cell.text cost about 1.7 ms a row, and table.cell() is quadratic.
"""
from __future__ import annotations

import copy
import re
import uuid
import zipfile
from datetime import datetime, timezone
from functools import lru_cache

from lxml import etree
from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

PORTRAIT = (Cm(21.0), Cm(29.7))
XML_SPACE = qn("xml:space")
TR, T, VAL = qn("w:tr"), qn("w:t"), qn("w:val")
CELL_MARK = "@@cell@@"
TABLE_MARK = "@@workspace-table-"
_MARKER_PARAGRAPH = re.compile(r"<w:p>(?:(?!</w:p>).)*?(" + re.escape(TABLE_MARK) + r"[0-9a-f]{32})(?:(?!</w:p>).)*?</w:p>")
# Characters XML 1.0 cannot hold: a pasted control character must not make a document unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NOT_XML_TABLE = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF])
EMPTY_T = '<w:t xml:space="preserve"></w:t>'
T_OPEN, T_CLOSE = '<w:t xml:space="preserve">', "</w:t>"
SEPARATOR = "\ue000"  # a private-use character, between cell texts while they are escaped together
BRAND = RGBColor(0x0B, 0x4F, 0x7C)


def clean(text: str) -> str:
    """Text without the control characters XML cannot hold (python-docx refuses them)."""
    return _NOT_XML.sub("", text or "")


def new_document(title: str, author: str, header_text: str, subject: str = "") -> Document:
    title, author, header_text, subject = clean(title), clean(author), clean(header_text), clean(subject)
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


SECT_PR = qn("w:sectPr")


def _append_to_body(document, element) -> None:
    """Put a block at the end of the body, before its closing sectPr.

    python-docx looks for the sectPr from the start of the body on every add, which grows with
    the document: fine for a letter, slow for a report of thousands of paragraphs.
    """
    body = document.element.body
    try:
        last = body[-1]  # found from the end; len(body) would count every child
    except IndexError:
        last = None
    if last is not None and last.tag == SECT_PR:
        last.addprevious(element)
    else:
        body.append(element)


def paragraph(document, text: str = "", style_id: str | None = None) -> Paragraph:
    """A paragraph with a style given by its id ("ListBullet", "Caption", "Heading2").

    python-docx looks a style name up by scanning every style, about 5 ms each time: with
    thousands of bullets that alone took 20 s. The ids of the built-in styles never change.
    """
    p = OxmlElement("w:p")
    _append_to_body(document, p)
    if style_id:
        p_pr = OxmlElement("w:pPr")
        style = OxmlElement("w:pStyle")
        style.set(VAL, style_id)
        p_pr.append(style)
        p.append(p_pr)
    if text:
        add_run(p, text)
    return Paragraph(p, document._body)


def _fill(t, text: str) -> None:
    """Put text in a <w:t> already in its run. Text typed in a browser keeps its shape: line breaks
    (CRLF or CR normalised) become Word's <w:br/> and tabs Word's <w:tab/>, never stray characters."""
    text = _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    run = t.getparent()
    first = True
    for line_number, line in enumerate(text.split("\n")):
        if line_number:
            run.append(OxmlElement("w:br"))
        for piece_number, piece in enumerate(line.split("\t")):
            if piece_number:
                run.append(OxmlElement("w:tab"))
            if first:
                target, first = t, False
            else:
                if not piece:
                    continue
                target = OxmlElement("w:t")
                run.append(target)
            target.text = piece
            target.set(XML_SPACE, "preserve")


def add_run(p, text: str, bold: bool = False) -> None:
    """A run of plain text, made directly: python-docx's run.text setter looks at every
    character and costs about 150 us a run."""
    r = OxmlElement("w:r")
    if bold:
        r_pr = OxmlElement("w:rPr")
        r_pr.append(OxmlElement("w:b"))
        r.append(r_pr)
    t = OxmlElement("w:t")
    r.append(t)
    _fill(t, text)  # after r.append: line breaks go into the run beside it
    p.append(r)


def heading(document, text: str, level: int):
    return paragraph(document, text, f"Heading{level}")


@lru_cache(maxsize=64)
def _prototype(headers: tuple[str, ...], widths_cm: tuple[float, ...], font_size: float):
    """A table of a header row and one empty row, made once per shape with python-docx and then
    copied: making a table the ordinary way costs about 30 ms, a copy almost nothing."""
    scratch = Document()
    result = scratch.add_table(rows=2, cols=len(headers))
    result._tbl.tblPr.style = "TableGrid"
    result.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, template = result.rows
    for cell, text in zip(header.cells, headers):
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
    return result._tbl


@lru_cache(maxsize=64)
def _row_xml(headers: tuple[str, ...], widths_cm: tuple[float, ...], font_size: float) -> tuple[str, list[str], str]:
    """The prototype as XML text: what comes before the data rows, the data row cut at each
    cell's text, and what comes after."""
    proto = copy.deepcopy(_prototype(headers, widths_cm, font_size))
    for t in proto.findall(TR)[1].iter(T):
        t.text = CELL_MARK
    xml = etree.tostring(proto, encoding="unicode")
    first_row_end = xml.index("</w:tr>") + len("</w:tr>")
    last_row_end = xml.rindex("</w:tr>") + len("</w:tr>")
    template = xml[first_row_end:last_row_end]
    return xml[:first_row_end], re.split(r"<w:t>" + CELL_MARK + r"</w:t>", template), xml[last_row_end:]


def _escape_all(texts: list[str]) -> list[str]:
    """Escape many cell texts at once: one pass over them all rather than one per cell."""
    joined = SEPARATOR.join(texts)
    if joined.count(SEPARATOR) != len(texts) - 1:  # a text held the separator itself
        return [_text_xml(text)[len(T_OPEN):-len(T_CLOSE)] for text in texts]
    if _NOT_XML.search(joined):  # a scan in C; the rare text with control characters is cleaned
        joined = _NOT_XML.sub("", joined)
    joined = (joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
              .replace("\n", T_CLOSE + "<w:br/>" + T_OPEN))
    return joined.split(SEPARATOR) if texts else []


def _text_xml(value) -> str:
    """A cell's text as <w:t> XML. Called for every cell of every big table, so kept plain."""
    if not value:
        return EMPTY_T
    text = str(value).translate(_NOT_XML_TABLE).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\n" in text:
        text = text.replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')
    return '<w:t xml:space="preserve">' + text + "</w:t>"


def table(document, headers: list[str], rows: list[list[str]], widths_cm: list[float] | None = None,
          caption: str | None = None, font_size: float = 9) -> None:
    """A table with a repeating, shaded header row.

    Rows are written as text from a prepared row, and put in place when the document is saved
    (to_bytes): python-docx's add_row() and cell.text cost about 1.7 ms a row and keep every
    cell in memory as XML nodes; a report of 30,000 rows took 25 s and 600 MB that way.
    """
    if caption:
        paragraph(document, caption, "Caption")
    before, cells, after = _row_xml(tuple(headers), tuple(widths_cm or ()), font_size)
    width = len(cells) - 1
    row_format = cells[0] + "".join(T_OPEN + "{}" + T_CLOSE + following for following in cells[1:])
    flat = []
    for values in rows:
        values = list(values)[:width]
        flat.extend("" if value is None else str(value) for value in values)
        flat.extend([""] * (width - len(values)))
    escaped = _escape_all(flat)
    parts = [before]
    parts.extend(row_format.format(*escaped[i:i + width]) for i in range(0, len(escaped), width))
    parts.append(after)
    marker = f"{TABLE_MARK}{uuid.uuid4().hex}"
    paragraph(document, marker)
    _pending(document)[marker] = "".join(parts)


def _pending(document) -> dict[str, str]:
    """Tables written as text, waiting for to_bytes() to put them where their markers stand."""
    part = document.part
    if not hasattr(part, "_workspace_tables"):
        part._workspace_tables = {}
    return part._workspace_tables


def plain_table(document, headers: list[str], rows: list[list[str]], widths_cm=None, caption=None, font_size=9):
    """The same table the slow, ordinary python-docx way: for the benchmark's comparison only."""
    result = document.add_table(rows=1, cols=len(headers))
    result.style = "Table Grid"  # the ordinary way, on purpose
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
    p = paragraph(document, "", "ListBullet")._p
    if bold_prefix:
        add_run(p, bold_prefix, bold=True)
    add_run(p, text)


def label_value(document, label: str, value: str) -> None:
    p = paragraph(document)._p
    add_run(p, f"{label}: ", bold=True)
    add_run(p, value or "—")


def to_bytes(document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    tables = _pending(document)
    if not tables:
        return buffer.getvalue()
    # Put each table where its marker paragraph stands, streaming word/document.xml into the zip
    # so that the big tables are never held twice.
    source = zipfile.ZipFile(BytesIO(buffer.getvalue()))
    result = BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as target:
        for item in source.infolist():
            item.compress_type = zipfile.ZIP_DEFLATED
            if item.filename != "word/document.xml":
                target.writestr(item, source.read(item.filename))
                continue
            xml = source.read(item.filename).decode("utf-8")
            with target.open(item, "w") as out:
                position = 0
                for match in _MARKER_PARAGRAPH.finditer(xml):
                    out.write(xml[position:match.start()].encode("utf-8"))
                    out.write(tables.pop(match.group(1), match.group(0)).encode("utf-8"))
                    position = match.end()
                out.write(xml[position:].encode("utf-8"))
    return result.getvalue()
