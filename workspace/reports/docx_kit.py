"""Building blocks for Word documents that a local authority can use as they are: real heading
styles, fields Word fills in (table of contents, page X of Y), tables whose header row repeats,
landscape sections, pictures with alt text, and document properties.

A table is a prepared table (header row and one empty row, made once per shape with python-docx)
copied, its empty row copied once a row: the interim report's body is a few hundred rows, which
this writes in a fraction of what python-docx's add_row() and cell.text take.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from typing import cast

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.paragraph import CT_P
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from . import template

PORTRAIT = (Cm(21.0), Cm(29.7))
XML_SPACE = qn("xml:space")
TR, TC, T, VAL = qn("w:tr"), qn("w:tc"), qn("w:t"), qn("w:val")
INSTR_TEXT, FLD_CHAR, FLD_CHAR_TYPE = qn("w:instrText"), qn("w:fldChar"), qn("w:fldCharType")
BOOKMARK_PREFIX = "_Toc_"
# Characters XML 1.0 cannot hold: a pasted control character must not make a document unreadable.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
BRAND = RGBColor(0x0B, 0x4F, 0x7C)


def clean(text: str) -> str:
    """Text without the control characters XML cannot hold (python-docx refuses them)."""
    return NOT_XML.sub("", text or "")


def new_document(
    title: str, author: str, header_text: str, subject: str = "", marking: str = "", title_page: bool = False
) -> DocxDocument:
    """A document of our template. `marking` (a protective marking) leads the running header;
    with `title_page`, the first page has no header or footer."""
    title, author, header_text, subject = clean(title), clean(author), clean(header_text), clean(subject)
    document = Document()
    props = document.core_properties
    props.title, props.author, props.subject = title, author, subject
    props.created = props.modified = datetime.now(UTC).replace(tzinfo=None)
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
    template.make_ours(document)
    _header_and_footer(section, header_text, clean(marking))
    if title_page:
        section.different_first_page_header_footer = True
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


def _header_and_footer(section, header_text: str, marking: str = "") -> None:
    header = section.header.paragraphs[0]
    if marking:
        run = header.add_run(marking + "   ")
        run.bold, run.font.size = True, Pt(9)
    run = header.add_run(header_text)
    run.font.size = Pt(9)
    run.font.color.rgb = RGBColor(0x50, 0x5A, 0x5F)
    footer = section.footer.paragraphs[0]
    footer.alignment = 1  # centred
    footer.add_run("Page ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")


def table_of_contents(document, headings: list[tuple]) -> None:
    """The contents: each heading's title a link to its heading's bookmark, in TOC 1/TOC 2, with a
    PAGEREF field for its page. Not a TOC field: LibreOffice fills in a PAGEREF of its own as it
    lays the pages out, but not one nested in a TOC field's result. The fields have no stored
    result here; a final report's are written from its layout (pagination.fill_page_numbers), and
    Word shows those, with no prompt on opening."""

    def fld(parent, kind):
        parent.append(field_char(kind))

    for entry in headings:
        level, text, anchor = entry if len(entry) == 3 else (entry[0], entry[1], None)
        p = paragraph(document, "", f"TOC{min(level, 2)}")._p
        if not anchor:
            add_run(p, text)
            continue
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), bookmark_name(anchor))
        link.set(qn("w:history"), "1")
        p.append(link)
        add_run(link, text)
        tab = OxmlElement("w:r")
        tab.append(OxmlElement("w:tab"))
        link.append(tab)
        fld(link, "begin")
        run = OxmlElement("w:r")
        instr = OxmlElement("w:instrText")
        instr.set(XML_SPACE, "preserve")
        instr.text = f" PAGEREF {bookmark_name(anchor)} \\h "
        run.append(instr)
        link.append(run)
        fld(link, "end")  # no stored result yet: see pagination.fill_page_numbers


def field_char(kind: str):
    """A run holding a complex field's `begin`, `separate` or `end`."""
    run = OxmlElement("w:r")
    element = OxmlElement("w:fldChar")
    element.set(FLD_CHAR_TYPE, kind)
    run.append(element)
    return run


def bookmark_name(anchor: str) -> str:
    return f"{BOOKMARK_PREFIX}{anchor}"


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
    p = cast(CT_P, OxmlElement("w:p"))  # python-docx's parser makes every <w:p> a CT_P
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
    text = NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
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


def heading(document, text: str, level: int, anchor: str | None = None):
    """A heading in Word's built-in style; with an anchor, bookmarked for the contents' links."""
    result = paragraph(document, "", f"Heading{level}")
    p = result._p
    if anchor:
        start = OxmlElement("w:bookmarkStart")
        # Numbered within the document, so that the same report is the same XML on every export
        # (pagination.fingerprint); a process-wide counter made every download differ.
        bookmark_id = str(getattr(document, "_last_bookmark_id", 0) + 1)
        document._last_bookmark_id = int(bookmark_id)
        start.set(qn("w:id"), bookmark_id)
        start.set(qn("w:name"), bookmark_name(anchor))
        p.append(start)
    add_run(p, text)
    if anchor:
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), bookmark_id)
        p.append(end)
    return result


@lru_cache(maxsize=64)
def _prototype(headers: tuple[str, ...], widths_cm: tuple[float, ...], font_size: float):
    """A table of a header row and one empty row, made once per shape with python-docx and then
    copied: making a table the ordinary way costs about 30 ms, a copy almost nothing."""
    scratch = Document()
    result = scratch.add_table(rows=2, cols=len(headers))
    result._tbl.tblPr.style = "TableGrid"
    result.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, template = result.rows
    for cell, text in zip(header.cells, headers, strict=True):
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
        for column, width in zip(result.columns, widths_cm, strict=True):
            column.width = Cm(width)  # the grid, which LibreOffice and Word lay out by
        for row in (header, template):
            for cell, width in zip(row.cells, widths_cm, strict=True):
                cell.width = Cm(width)
    return result._tbl


def table(
    document,
    headers: list[str],
    rows: list[list[str]],
    widths_cm: list[float] | None = None,
    caption: str | None = None,
    font_size: float = 9,
    spans: list[int] | tuple[int, ...] = (),
) -> None:
    """A table with a repeating, shaded header row: the prepared table copied, and its empty row
    copied once for each row of text (line breaks and tabs as Word's own). The rows numbered in
    `spans` are one cell the table's width, [bold prefix, text]."""
    if caption:
        paragraph(document, caption, "Caption")
    result = copy.deepcopy(_prototype(tuple(headers), tuple(widths_cm or ()), font_size))
    template = result.findall(TR)[1]
    result.remove(template)
    width = len(headers)
    span_template = _span_row(template, width, widths_cm) if spans else None
    spanned = set(spans)
    for number, values in enumerate(rows):
        if number in spanned and span_template is not None:
            row = copy.deepcopy(span_template)
            t = next(row.iter(T))
            prefix, text = values
            if prefix:
                run = t.getparent()
                bold = copy.deepcopy(run)
                run.addprevious(bold)
                bold_t = next(bold.iter(T))
                _fill(bold_t, prefix)
                r_pr = bold.find(qn("w:rPr"))
                if r_pr is None:
                    r_pr = OxmlElement("w:rPr")
                    bold.insert(0, r_pr)
                r_pr.insert(0, OxmlElement("w:b"))
            _fill(t, text)
            result.append(row)
            continue
        row = copy.deepcopy(template)
        values = list(values)[:width]
        for t, value in zip(list(row.iter(T)), values + [""] * (width - len(values)), strict=True):
            _fill(t, "" if value is None else str(value))
        result.append(row)
    _append_to_body(document, result)


def _span_row(template, width: int, widths_cm):
    """The empty row as one cell across the table's `width` columns (w:gridSpan)."""
    row = copy.deepcopy(template)
    cells = row.findall(TC)
    for cell in cells[1:]:
        row.remove(cell)
    tc_pr = cells[0].find(qn("w:tcPr"))
    if tc_pr is None:
        tc_pr = OxmlElement("w:tcPr")
        cells[0].insert(0, tc_pr)
    tc_w = tc_pr.find(qn("w:tcW"))
    if tc_w is not None and widths_cm:
        tc_w.set(qn("w:w"), str(sum(int(Cm(w).twips) for w in widths_cm)))
    span = OxmlElement("w:gridSpan")
    span.set(VAL, str(width))
    if tc_w is not None:
        tc_w.addnext(span)
    else:
        tc_pr.insert(0, span)
    return row


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
    return buffer.getvalue()
