"""Three-way merging of a stale save, so that two people editing one record lose nothing.

A form carries fingerprints of the values it was opened with. When its save turns out to be
stale, each field is compared three ways: what it was (the fingerprint), what this person sent,
and what is saved now. A field only one side changed takes that side's value; a field both
changed keeps this person's typing and is reported as a conflict beside the other value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field


def _normal(value) -> str:
    return "" if value is None else str(value).strip().replace("\r\n", "\n")


def fingerprint(value) -> str:
    return hashlib.sha256(_normal(value).encode()).hexdigest()[:16]


def fingerprints(values: Mapping[str, object]) -> str:
    """What the form carries in a hidden field."""
    return json.dumps({key: fingerprint(value) for key, value in values.items()}, separators=(",", ":"))


def parse_fingerprints(text: str | None) -> dict[str, str]:
    try:
        parsed = json.loads(text or "{}")
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}


@dataclass
class Merge:
    values: dict[str, str]
    theirs: list[str] = field(default_factory=list)  # fields only the other person changed
    conflicts: list[str] = field(default_factory=list)  # fields both changed: mine kept


def three_way(original: Mapping[str, str], mine: Mapping[str, object], theirs: Mapping[str, object]) -> Merge:
    merge = Merge(values={})
    for key in dict.fromkeys([*theirs, *mine]):
        sent, saved = _normal(mine.get(key)), _normal(theirs.get(key))
        before = original.get(key)
        mine_changed = before is None or fingerprint(sent) != before
        theirs_changed = before is None or fingerprint(saved) != before
        if key not in mine:  # not in my form (a row they added): theirs
            merge.values[key] = saved
            if theirs_changed:
                merge.theirs.append(key)
        elif key not in theirs:  # a row that is gone, or one I added
            merge.values[key] = sent
        elif not mine_changed:
            merge.values[key] = saved
            if theirs_changed:
                merge.theirs.append(key)
        elif not theirs_changed or sent == saved:
            merge.values[key] = sent
        else:
            merge.values[key] = sent
            merge.conflicts.append(key)
    return merge
