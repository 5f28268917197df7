"""The lesson-study sheet: predictions against what was observed, per case pupil and stage."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..models import Observation, PupilVoice, ResearchLesson
from . import observation_feed, planning, reflection


@dataclass
class Cell:
    prediction: str = ""
    observations: list[Observation] = field(default_factory=list)


@dataclass
class PupilRow:
    pupil: object
    cells: list[Cell]
    unstaged: list[Observation]
    voice: list[PupilVoice]


def lesson_sheet(lesson: ResearchLesson) -> list[PupilRow]:
    predictions = planning.predictions_of(lesson)
    by_cell: dict[tuple[int, int | None], list[Observation]] = defaultdict(list)
    for observation in reversed(observation_feed.observations_of(lesson)):  # oldest first, as the lesson ran
        by_cell[(observation.case_pupil_id, observation.stage_id)].append(observation)
    voice: dict[int, list[PupilVoice]] = defaultdict(list)
    for note in reflection.pupil_voice(lesson):
        voice[note.case_pupil_id].append(note)
    return [
        PupilRow(
            pupil=pupil,
            cells=[
                Cell(predictions.get((pupil.id, stage.id), ""), by_cell.get((pupil.id, stage.id), []))
                for stage in lesson.stages
            ],
            unstaged=by_cell.get((pupil.id, None), []),
            voice=voice.get(pupil.id, []),
        )
        for pupil in lesson.case_pupils
    ]
