"""What an upload is, read from its bytes, and what is stored of it. No Flask, no database.

The type is read from the content (the `filetype` library's signatures), never from the name or
the type the browser claims: a renamed program is a program. Only the welcome types pass; SVG
and HTML (which a browser would run) are refused even though they are text. Images are opened
by Pillow, refused past a limit of pixels (decompression bombs), turned upright (their EXIF
orientation), stripped of all metadata (EXIF with its GPS position, device and time, XMP,
comments) by being drawn again into a new JPEG, and given a thumbnail; the original is not kept.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError

# pillow-heif teaches Pillow to open iPads' HEIC photos.
from pillow_heif import register_heif_opener

register_heif_opener()

# What people are told they may attach, in the order the 422 names them.
WELCOME = "JPEG, PNG or HEIC photos, PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx) or plain text"

DOCUMENT_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}
IMAGE_TYPES = {"image/jpeg", "image/png", "image/heic", "image/heif"}
TEXT_TYPE = "text/plain"

# Pixels an image may have: a 48-megapixel phone photo passes; a small file that unpacks into
# gigabytes of pixels (a decompression bomb) does not.
MAX_PIXELS = 50_000_000
DISPLAY_EDGE = 2400  # the longest side of the image shown: enough for a display board's detail
THUMBNAIL_EDGE = 320
JPEG_QUALITY = 85

# Text a browser would take for markup, whatever it is served as: refused, not stored.
_MARKUP = re.compile(rb"<\s*(!doctype|html|svg|script|\?xml|body|head|iframe|object|embed)", re.IGNORECASE)


class Refused(Exception):
    """An upload that is not stored, with the status to answer (413 too large, 422 anything else)
    and what to tell the person."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Prepared:
    """What is stored of an upload: the file shown (or downloaded) and, for images, a thumbnail."""

    content: bytes
    content_type: str
    extension: str
    thumbnail: bytes | None = None

    @property
    def is_image(self) -> bool:
        return self.thumbnail is not None


def not_welcome() -> Refused:
    return Refused(f"That kind of file cannot be attached. Attach {WELCOME}.")


def prepare(data: bytes, max_bytes: int) -> Prepared:
    """The upload as it will be stored, or Refused."""
    if len(data) > max_bytes:
        raise Refused(
            f"That file is larger than {max_bytes // (1024 * 1024)} MB, the most one file may be.", 413
        )
    if not data:
        raise Refused("That file is empty. Choose the file again.")
    kind = filetype.guess(data)
    if kind is None:
        return _plain_text(data)
    if kind.mime in IMAGE_TYPES:
        return clean_image(data)
    if kind.mime in DOCUMENT_TYPES:
        return Prepared(data, kind.mime, DOCUMENT_TYPES[kind.mime])
    raise not_welcome()


def _plain_text(data: bytes) -> Prepared:
    """Text in UTF-8 (or plain ASCII), with no markup a browser would run."""
    if b"\x00" in data or _MARKUP.search(data):
        raise not_welcome()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise not_welcome() from None
    return Prepared(data, TEXT_TYPE, "txt")


def clean_image(data: bytes) -> Prepared:
    """An upright JPEG with no metadata, and its thumbnail."""
    try:
        # Opening reads the header alone: the size is known before any pixel is unpacked. (Pillow
        # refuses far larger images by itself, DecompressionBombError; its global limit is left be.)
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            if image.format == "JPEG":
                # Decoded at a fraction of its size where that is still larger than what is kept:
                # a 48-megapixel photo costs a quarter of the memory.
                image.draft("RGB", (DISPLAY_EDGE, DISPLAY_EDGE))
            image.load()
            upright = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise Refused(
            f"That image has more pixels than the workspace takes ({MAX_PIXELS // 1_000_000} million). "
            "Attach a smaller photo."
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise Refused("That image could not be read: it may be damaged. Take or choose it again.") from None
    pixels = _flattened(upright)
    display = pixels.copy()
    display.thumbnail((DISPLAY_EDGE, DISPLAY_EDGE))
    thumbnail = pixels.copy()
    thumbnail.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
    return Prepared(_jpeg(display), "image/jpeg", "jpg", _jpeg(thumbnail))


def _flattened(image: Image.Image) -> Image.Image:
    """RGB pixels only: transparency on white (a PNG's), no palette, no metadata carried along."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    # A new image from the pixels alone: EXIF, XMP, ICC and comments stay behind.
    converted = image.convert("RGB")
    bare = Image.new("RGB", converted.size)
    bare.paste(converted)
    return bare


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()
