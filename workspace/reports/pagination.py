"""Page numbers for a document's contents, from a layout of the document by LibreOffice.

Word shows a PAGEREF field's stored result until its fields are updated, and asking it to update
them on opening brings a prompt about "fields that may refer to other files". So a final report,
which never changes, is laid out once: LibreOffice converts it to PDF with each bookmark as a
named destination, pypdf reads the page each heading's bookmark lands on, and every download
writes those numbers as the PAGEREF fields' stored results (docx_kit.fill_page_numbers).

`fingerprint` says whether a document is still the one that was laid out: everything that could
move a page (the body, headers, footers, styles, pictures), nothing that changes with each
download (document id, created time, identifier). No Flask, no database.
"""

from __future__ import annotations

import copy
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from io import BytesIO
from pathlib import Path

from docx.opc.part import XmlPart
from docx.oxml import OxmlElement
from lxml import etree
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from . import docx_kit as kit

# Bookmarks as named destinations: the only switch needed (LibreOffice 7.4 reads JSON options).
PDF_FILTER = 'pdf:writer_pdf_Export:{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}'
# Parts that change with every download and move no page.
PER_DOWNLOAD = {"/docProps/core.xml", "/docProps/app.xml", "/docProps/custom.xml"}
W14_DOC_ID = "{http://schemas.microsoft.com/office/word/2010/wordml}docId"
W15_DOC_ID = "{http://schemas.microsoft.com/office/word/2012/wordml}docId"


class LayoutFailed(Exception):
    """LibreOffice is missing, failed, took too long, or its PDF did not say where the headings are.
    The message is for the lead, in plain words."""


def fingerprint(document) -> str:
    """A digest of every part that could move a page, so that numbers counted on one document are
    written only into the same document."""
    digest = hashlib.sha256()
    for part in sorted(document.part.package.iter_parts(), key=lambda p: str(p.partname)):
        name = str(part.partname)
        if name in PER_DOWNLOAD:
            continue
        if isinstance(part, XmlPart):
            element = part.element
            if name == "/word/settings.xml":  # its document id is fresh on every export
                element = copy.deepcopy(element)
                for doc_id in [*element.iter(W14_DOC_ID), *element.iter(W15_DOC_ID)]:
                    doc_id.getparent().remove(doc_id)
            blob = etree.tostring(element)
        else:
            blob = part.blob
        digest.update(name.encode() + b"\0" + hashlib.sha256(blob).digest())
    return digest.hexdigest()


def soffice_program(configured: str | None) -> str | None:
    """The LibreOffice program configured (a name on PATH or a path), if it is there."""
    if not configured:
        return None
    return shutil.which(configured)


def to_pdf(docx: bytes, program: str, timeout: float) -> bytes:
    """LibreOffice's layout of a .docx, as PDF. A profile of its own in a temporary folder, so that
    runs at one moment (two workers, a test beside the app) do not share one and clash; the whole
    process group is ended if it runs past `timeout`."""
    with tempfile.TemporaryDirectory(prefix="workspace-layout-") as folder:
        source = Path(folder) / "report.docx"
        source.write_bytes(docx)
        command = [
            program,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={Path(folder, 'profile').as_uri()}",
            "--convert-to",
            PDF_FILTER,
            "--outdir",
            folder,
            str(source),
        ]
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group, ended as one on a timeout
            )
        except OSError as error:
            raise LayoutFailed(f"LibreOffice could not be started ({error.strerror or error}).") from error
        try:
            _, errors = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise LayoutFailed(
                f"LibreOffice took longer than {timeout:g} seconds to lay the report out."
            ) from None
        pdf = Path(folder) / "report.pdf"
        if process.returncode != 0 or not pdf.exists():
            detail = errors.decode(errors="replace").strip().splitlines()[-1:] or [
                f"exit {process.returncode}"
            ]
            raise LayoutFailed(f"LibreOffice could not lay the report out ({detail[0][:200]}).")
        return pdf.read_bytes()


def _destination_name(name: str) -> str:
    """A bookmark's name as LibreOffice writes it as a PDF destination: letters, digits and "-"
    as they are, any other character as two hex digits (its PDFWriterImpl's appendDestinationName)."""
    return "".join(c if c.isascii() and (c.isalnum() or c == "-") else f"{ord(c) & 0xFF:02X}" for c in name)


def heading_pages(pdf: bytes, anchors: list[str]) -> dict[str, int]:
    """The page (counting from 1, as PAGEREF shows it) each anchor's bookmark lands on."""
    try:
        reader = PdfReader(BytesIO(pdf))
        destinations = {name.lstrip("/"): dest for name, dest in reader.named_destinations.items()}
        pages = {}
        for anchor in anchors:
            name = kit.bookmark_name(anchor)
            dest = destinations.get(_destination_name(name)) or destinations.get(name)
            index = reader.get_destination_page_number(dest) if dest is not None else None
            if index is None or index < 0:
                raise LayoutFailed("LibreOffice's layout did not say where every heading is.")
            pages[anchor] = index + 1
    except LayoutFailed:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        # pypdf raises more than its own errors on a damaged file; the report is final already
        raise LayoutFailed(f"LibreOffice's layout could not be read ({type(error).__name__}).") from error
    return pages


def lay_out(document, program: str, timeout: float) -> dict[str, int]:
    """The page of each contents entry's heading in LibreOffice's layout of this very document."""
    anchors = [anchor for anchor, _ in _pagerefs(document)]
    return heading_pages(to_pdf(kit.to_bytes(document), program, timeout), anchors)


def _pagerefs(document):
    """(anchor, instrText) of each contents entry's PAGEREF field."""
    for instruction in document.element.body.iter(kit.INSTR_TEXT):
        words = (instruction.text or "").split()
        if len(words) >= 2 and words[0] == "PAGEREF" and words[1].startswith(kit.BOOKMARK_PREFIX):
            yield words[1][len(kit.BOOKMARK_PREFIX) :], instruction


def fill_page_numbers(document, pages: dict[str, int]) -> int:
    """Write each contents entry's page as its PAGEREF field's stored result (between the field's
    `separate` and `end`), which Word, Word Online and Protected View show as they are. Returns how
    many were written."""
    written = 0
    for anchor, instruction in list(_pagerefs(document)):
        page = pages.get(anchor)
        run = instruction.getparent()
        end = run.getnext()
        if page is None or end is None or end.find(kit.FLD_CHAR) is None:
            continue
        if end.find(kit.FLD_CHAR).get(kit.FLD_CHAR_TYPE) != "end":
            continue  # a result is there already
        separate = kit.field_char("separate")
        result = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = str(page)
        result.append(text)
        end.addprevious(separate)
        end.addprevious(result)
        written += 1
    return written
