"""The pieces the interim report is laid out in: blocks (what the Word writer writes and the
report page shows), the page they are gathered on, and where the starred evidence goes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from .data import InterimData
from .evidence_figures import FilesShown, shown

NOT_WRITTEN = "Not written yet."
UNLINKED = "No work in the period is linked to this any more; edit or clear it."
UNLINKED_HEADING = "Other sections written for this report"
# Past these, a section is written in its compact form so that a large partnership's body stays
# near 40 pages; the full lists are in the workbook.
MANY_TRIOS = 8
MANY_EVALUATIONS = 60
SUMMARY_HEADERS = ["", "Actions", "Complete", "Overdue", "No recent update", "With evidence of impact"]
SUMMARY_WIDTHS = [7.0, 1.6, 2.0, 1.9, 2.2, 2.3]
UNLINKED_EVIDENCE = "Evidence of impact of actions linked to no priority or quality indicator"


@dataclass
class Block:
    kind: str  # heading, text, written, label, bullets, table, chart, landscape, portrait
    text: str = ""
    level: int = 0
    key: str = ""  # a written section's key
    items: list = field(default_factory=list)  # bullets: (bold prefix, text); label: [value]
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    caption: str = ""
    anchor: str = ""
    # A table's rows that are one cell the table's width, each [bold prefix, text]: their numbers.
    spans: list[int] = field(default_factory=list)
    # Evidence files under a table's span rows or a list's items, by their number (evidence_figures).
    files: dict[int, FilesShown] = field(default_factory=dict)


@dataclass
class PlacedEvidence:
    under: dict[int, list[list[str]]]  # element id: the rows under its summary row ([prefix, text])
    unlinked: list[tuple[str, str]]  # evidence of actions linked to no priority or QI: bullets
    # The starred evidence's files: by element, by number of the row under it; by unlinked item.
    files_under: dict[int, dict[int, FilesShown]] = field(default_factory=dict)
    unlinked_files: dict[int, FilesShown] = field(default_factory=dict)


def _evidence_prefix(action) -> str:
    return (
        f"{action.title} ({action.school}, {action.evidence_at:%-d %b %Y}"
        + (f"; flagged: {', '.join(action.marks)}" if action.marks else "")
        + "): "
    )


def _names(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


def place_evidence(data: InterimData) -> PlacedEvidence:
    """Each action's evidence of impact once, in full, under the first priority or QI it is linked
    to in the report's order (IGBE priorities first, then QIs as listed), with a line naming the
    others it belongs to; under each of those others, one line saying where it is, never its text.
    So no action is printed twice, and no row's count of evidence goes unexplained."""
    order = [s.element.id for s in data.priorities + data.qis]
    rank = {element_id: i for i, element_id in enumerate(order)}
    under: dict[int, list[list[str]]] = {}
    elsewhere: dict[int, dict[int, int]] = {}  # element: {home element: actions shown there}
    unlinked: list[tuple[str, str]] = []
    files_under: dict[int, dict[int, FilesShown]] = {}
    unlinked_files: dict[int, FilesShown] = {}
    for action in data.evidence:
        linked = sorted((e for e in action.element_ids if e in rank), key=rank.__getitem__)
        files = data.evidence_files.get(action.id) if action.evidence_starred else None
        if not linked:
            if files:
                unlinked_files[len(unlinked)] = shown(files)
            unlinked.append((_evidence_prefix(action), action.evidence))
            continue
        home, others = linked[0], linked[1:]
        text = action.evidence
        if others:
            text += "\nAlso linked to " + _names([data.elements[e].label for e in others]) + "."
        if files:
            files_under.setdefault(home, {})[len(under.get(home, []))] = shown(files)
        under.setdefault(home, []).append([_evidence_prefix(action), text])
        for other in others:
            homes = elsewhere.setdefault(other, {})
            homes[home] = homes.get(home, 0) + 1
    for element_id, homes in elsewhere.items():
        count = sum(homes.values())
        where = _names([data.elements[h].label for h in sorted(homes, key=rank.__getitem__)])
        under.setdefault(element_id, []).append(
            [
                "",
                f"Evidence of impact of {count} more action{'s' if count != 1 else ''} linked here: "
                f"see under {where}.",
            ]
        )
    return PlacedEvidence(under, unlinked, files_under, unlinked_files)


def evidence_note(data: InterimData) -> str:
    if not data.evidence:
        return ""
    chosen = (
        "the evidence of impact the partnership's leads starred for this report"
        if data.evidence_starred
        else "each action's latest evidence of impact in the period (leads star the updates to show "
        "here on each action's page)"
    )
    return (
        f"Under each row, {chosen}, latest first: each action's under the first priority or quality "
        f"indicator it is linked to, IGBE priorities first."
    )


class Page:
    """The blocks of a report in order; headings numbered as they come, for their anchors."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self._numbers = itertools.count(1)

    def heading(self, text: str, level: int = 1) -> None:
        self.blocks.append(Block("heading", text, level=level, anchor=f"s{next(self._numbers)}"))

    def add(self, block: Block) -> None:
        self.blocks.append(block)


def written(text: str, key: str) -> Block:
    return Block("written", text.strip() if text and text.strip() else "", key=key)
