"""Small files of every kind the evidence tests attach, made in code (no binaries in the repository)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image

from tests.factories import small_png

GPS_IFD = 0x8825
MODEL, ORIENTATION = 0x0110, 0x0112


def jpeg_with_gps(size=(40, 20), orientation: int = 6) -> bytes:
    """A photo as a tablet takes it: GPS position, camera model, and turned (orientation 6: the
    pixels lie on their side and are shown rotated 90 degrees)."""
    exif = Image.Exif()
    exif[MODEL] = "Classroom tablet"
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (55.0, 57.0, 12.0), 3: "W", 4: (3.0, 11.0, 20.0)})
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def heic() -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), "navy").save(buffer, "HEIF")
    return buffer.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def docx() -> bytes:
    import docx as python_docx

    buffer = io.BytesIO()
    document = python_docx.Document()
    document.add_paragraph("Pupil survey: 21 of 25 said the fraction wall helped.")
    document.save(buffer)
    return buffer.getvalue()


def xlsx() -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    workbook.add_worksheet().write(0, 0, "Survey")
    workbook.close()
    return buffer.getvalue()


def pptx() -> bytes:
    """The parts that make a package a presentation (no library here writes .pptx)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        package.writestr("_rels/.rels", "<Relationships/>")
        package.writestr("ppt/presentation.xml", "<p:presentation/>")
    return buffer.getvalue()


def text() -> bytes:
    return b"Pupil voice survey\nHelped: 21\nNot sure: 4\n"


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims a huge size: a decompression bomb's shape, without its
    memory (the header is what the check reads)."""
    data = bytearray(small_png())
    # The IHDR chunk follows the 8-byte signature: length (4), type (4), width, height, ..., CRC.
    struct.pack_into(">II", data, 16, width, height)
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


EXECUTABLE = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"\x02\x00\x3e\x00"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"  <!DOCTYPE html><html><body><script>alert(1)</script></body></html>"

# (bytes, name it was sent with, content type stored)
WELCOME = {
    "jpeg": (jpeg_with_gps, "board.jpg", "image/jpeg"),
    "png": (small_png, "wall.png", "image/jpeg"),
    "heic": (heic, "IMG_0001.HEIC", "image/jpeg"),
    "pdf": (pdf, "survey.pdf", "application/pdf"),
    "docx": (docx, "survey.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (xlsx, "results.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (
        pptx,
        "slides.pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "text": (text, "notes.txt", "text/plain"),
}
