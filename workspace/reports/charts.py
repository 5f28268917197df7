"""A stacked bar chart drawn with Pillow: actions by status for each QI. Small, dependable, and
readable when printed in black and white (each status has a pattern as well as a colour)."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

STATUS_STYLE = {  # fill, hatch every n pixels (0: solid)
    "complete": ((0, 112, 60), 0),
    "in_progress": ((29, 94, 168), 6),
    "not_started": ((177, 180, 182), 0),
    "on_hold": ((181, 129, 5), 4),
}


def round_step(peak: int, lines: int = 5) -> int:
    """A gridline step of 1, 2 or 5 times a power of ten, giving at most about `lines` gridlines."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if peak / step <= lines:
                return step
        magnitude *= 10


def _block(image: Image.Image, box: tuple[float, float, float, float], colour, hatch: int) -> None:
    """A filled rectangle; hatched with white diagonals inside it (and nowhere else) if hatch > 0."""
    x0, y0, x1, y1 = (round(v) for v in box)
    width, height = max(1, x1 - x0), max(1, y1 - y0)
    block = Image.new("RGB", (width, height), colour)
    if hatch:
        pen = ImageDraw.Draw(block)
        for start in range(-height, width, hatch * 2):
            pen.line((start, height, start + height, 0), fill="white", width=2)
    image.paste(block, (x0, y0))
    ImageDraw.Draw(image).rectangle((x0, y0, x1, y1), outline="black", width=1)


def stacked_bars(
    categories: list[str],
    series: dict[str, dict[str, int]],
    labels: dict[str, str],
    title: str,
    width: int = 1600,
    height: int = 900,
) -> bytes:
    """categories along the x axis; series[status][category] = count."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font, small, bold = (ImageFont.load_default(size=s) for s in (26, 22, 30))
    draw.text((40, 20), title, fill="black", font=bold)
    left, right, top, bottom = 140, width - 40, 120, height - 200
    totals = [sum(series.get(s, {}).get(c, 0) for s in STATUS_STYLE) for c in categories]
    peak = max(totals + [1])
    step = round_step(peak)
    top_value = step * -(-peak // step)  # the axis ends on a gridline
    scale = (bottom - top) / top_value
    for value in range(0, top_value + 1, step):
        y = bottom - value * scale
        draw.line((left, y, right, y), fill=(225, 225, 225), width=2)
        draw.text((left - 15, y), str(value), fill="black", font=small, anchor="rm")
    slot = (right - left) / max(1, len(categories))
    bar = slot * 0.62
    for index, category in enumerate(categories):
        x0 = left + index * slot + (slot - bar) / 2
        y = bottom
        for status, (colour, hatch) in STATUS_STYLE.items():
            count = series.get(status, {}).get(category, 0)
            if not count:
                continue
            y1 = y - count * scale
            _block(image, (x0, y1, x0 + bar, y), colour, hatch)
            y = y1
        # "STEM 2.3" in two lines, framework above number, so that many QIs fit side by side.
        draw.multiline_text(
            (x0 + bar / 2, bottom + 10),
            category.replace(" ", "\n", 1),
            fill="black",
            font=small,
            anchor="ma",
            align="center",
            spacing=2,
        )
        if totals[index]:
            draw.text((x0 + bar / 2, y - 8), str(totals[index]), fill="black", font=small, anchor="md")
    draw.line((left, bottom, right, bottom), fill="black", width=2)
    draw.line((left, top, left, bottom), fill="black", width=2)
    draw.text(
        ((left + right) / 2, bottom + 80),
        "Quality indicator (framework and number)",
        fill="black",
        font=font,
        anchor="ma",
    )
    axis = Image.new("RGB", (bottom - top, 34), "white")
    ImageDraw.Draw(axis).text(
        ((bottom - top) / 2, 17), "Number of actions", fill="black", font=font, anchor="mm"
    )
    image.paste(axis.rotate(90, expand=True), (20, top))
    x = left
    for status, (colour, hatch) in STATUS_STYLE.items():
        _block(image, (x, height - 60, x + 34, height - 30), colour, hatch)
        draw.text((x + 44, height - 45), labels[status], fill="black", font=font, anchor="lm")
        x += 330
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
