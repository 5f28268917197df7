"""Demo evidence files: the leads' starred evidence of impact, two pictures drawn in code (a
fraction-wall display board and a tally chart), a PDF, and a photo of a case pupil's work on a
highlighted observation, so the interim report and the trio record show them. Fictional and
deterministic; no photo of a person."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from ..actions import services as actions
from ..evidence import services as evidence
from ..extensions import db
from ..models import Action, Observation, Partnership, ProgressUpdate, ResearchLesson, Trio, User

# The actions whose evidence the lead starred for the report: (title, files as (drawing, name, caption)).
STARRED = [
    "Introduce fraction walls in every P5–P7 class",
    "Audit classroom displays for gender stereotypes",
    "Transition maths tasks for P7 into S1",
    "Professional learning on unconscious bias",
]


def _font(size: int):
    return ImageFont.load_default(size)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def fraction_wall_board() -> bytes:
    """A classroom display board: a fraction wall, halves to sixths, under a heading."""
    image = Image.new("RGB", (640, 480), "#f3e9d2")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 619, 459), outline="#8a5a2b", width=12)
    draw.text((320, 60), "Equal to one half?", fill="#1d3557", font=_font(34), anchor="mm")
    colours = ["#e63946", "#f4a261", "#2a9d8f", "#457b9d", "#8e7dbe", "#e9c46a"]
    left, right, top, height = 60, 580, 110, 52
    for row, parts in enumerate(range(1, 7)):
        width = (right - left) / parts
        for n in range(parts):
            x0 = left + n * width
            box = (round(x0), top + row * height, round(x0 + width) - 2, top + (row + 1) * height - 4)
            draw.rectangle(box, fill=colours[row], outline="white", width=2)
            label = "1" if parts == 1 else f"1/{parts}"
            draw.text(
                ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2),
                label,
                fill="white",
                font=_font(20),
                anchor="mm",
            )
    draw.line((320, 100, 320, 440), fill="#1d3557", width=4)
    return _png(image)


def tally_chart() -> bytes:
    """A bar chart: children choosing the block area, girls and boys, over three weeks."""
    image = Image.new("RGB", (640, 420), "white")
    draw = ImageDraw.Draw(image)
    draw.text((320, 30), "Block area: who chose it", fill="#1d3557", font=_font(28), anchor="mm")
    base, left = 360, 80
    draw.line((left, 70, left, base), fill="black", width=2)
    draw.line((left, base, 600, base), fill="black", width=2)
    weeks = [(4, 11), (8, 10), (10, 10)]  # girls, boys
    for week, (girls, boys) in enumerate(weeks):
        x = left + 40 + week * 170
        for offset, (count, colour) in enumerate(((girls, "#2a9d8f"), (boys, "#e9c46a"))):
            x0 = x + offset * 60
            draw.rectangle((x0, base - count * 24, x0 + 50, base - 1), fill=colour, outline="black")
            draw.text(
                (x0 + 25, base - count * 24 - 14), str(count), fill="black", font=_font(18), anchor="mm"
            )
        draw.text((x + 55, base + 20), f"Week {week + 1}", fill="black", font=_font(18), anchor="mm")
    draw.rectangle((430, 80, 450, 100), fill="#2a9d8f")
    draw.text((458, 90), "girls", fill="black", font=_font(18), anchor="lm")
    draw.rectangle((520, 80, 540, 100), fill="#e9c46a")
    draw.text((548, 90), "boys", fill="black", font=_font(18), anchor="lm")
    return _png(image)


def worked_fractions() -> bytes:
    """A pupil's jotter page: fractions equal to one half, ticked, and a wall drawn beside them."""
    image = Image.new("RGB", (480, 360), "#fdfdf8")
    draw = ImageDraw.Draw(image)
    for y in range(40, 360, 32):
        draw.line((0, y, 480, y), fill="#c9d6e8", width=1)
    for n, text in enumerate(["1/2 = 2/4", "1/2 = 3/6", "1/2 = 4/8", "I checked with the wall"]):
        draw.text((30, 50 + n * 64), text, fill="#22313f", font=_font(26))
    draw.rectangle((330, 60, 450, 90), outline="#22313f", width=2)
    draw.line((390, 60, 390, 90), fill="#22313f", width=2)
    for n in range(1, 4):
        draw.line((330 + n * 30, 96, 330 + n * 30, 126), fill="#22313f", width=2)
    draw.rectangle((330, 96, 450, 126), outline="#22313f", width=2)
    return _png(image)


def evaluation_summary() -> bytes:
    """A one-page PDF: the staff evaluation's results."""
    image = Image.new("RGB", (595, 842), "white")
    draw = ImageDraw.Draw(image)
    draw.text((60, 80), "Unconscious bias session: staff evaluation", fill="black", font=_font(24))
    for n, line in enumerate(
        ["41 staff across five schools", "92% will change one practice", "Most useful: the display audit"]
    ):
        draw.text((60, 150 + n * 40), line, fill="black", font=_font(20))
    buffer = io.BytesIO()
    image.save(buffer, "PDF")
    return buffer.getvalue()


FILES = {
    "Introduce fraction walls in every P5–P7 class": [
        (
            fraction_wall_board,
            "fraction-wall-display.png",
            "P6 display board: the fraction wall, halves to sixths",
        ),
    ],
    "Audit classroom displays for gender stereotypes": [
        (
            tally_chart,
            "block-area-tally.png",
            "Tally chart: girls and boys choosing the block area over three weeks",
        ),
    ],
    "Professional learning on unconscious bias": [
        (evaluation_summary, "staff-evaluation.pdf", "Staff evaluation summary"),
    ],
}


def load_demo_evidence(partnership: Partnership) -> None:
    from . import demo_email

    lead = db.session.scalars(select(User).where(User.email == demo_email("Catriona Baird"))).one()
    for title in STARRED:
        update = db.session.scalar(
            select(ProgressUpdate)
            .join(Action, ProgressUpdate.action_id == Action.id)
            .where(
                Action.partnership_id == partnership.id, Action.title == title, ProgressUpdate.evidence != ""
            )
            .order_by(ProgressUpdate.created_at.desc())
        )
        if update is None:
            continue
        actions.star(update, True)
        for drawing, name, caption in FILES.get(title, []):
            evidence.attach("progress_update", update, lead, evidence.Upload(drawing(), name, caption))
    observation = db.session.scalar(
        select(Observation)
        .join(ResearchLesson, Observation.lesson_id == ResearchLesson.id)
        .join(Trio, ResearchLesson.trio_id == Trio.id)
        .where(Trio.partnership_id == partnership.id, Observation.is_highlight.is_(True))
        .order_by(Trio.id, Observation.created_at, Observation.id)
    )
    if observation is not None:
        evidence.attach(
            "observation",
            observation,
            lead,
            evidence.Upload(
                worked_fractions(), "jotter.png", "Pupil A's jotter: three fractions equal to one half"
            ),
        )
    db.session.flush()
