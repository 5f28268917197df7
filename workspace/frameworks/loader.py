"""Loads the framework files in frameworks/data/ into the database.

Idempotent: a file whose key, version and content are already loaded changes nothing. A file
with a new version is added beside the old one, which is marked superseded; links to the old
version's QIs and priorities keep pointing at the old wording. Changing the content of a
version already loaded is refused: give the file a new version instead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update

from ..extensions import db
from ..models import ChallengeQuestion, Framework, FrameworkElement, FrameworkLevel
from . import labels

DATA = Path(__file__).parent / "data"


class FrameworkFileError(Exception):
    pass


@dataclass(frozen=True)
class LoadResult:
    key: str
    version: str
    outcome: str  # "loaded", "unchanged", "superseded an older version"


def content_hash(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def framework_files(directory: Path = DATA) -> list[Path]:
    return sorted(directory.glob("*.json"))


def load_all(directory: Path = DATA) -> list[LoadResult]:
    return [
        load_document(json.loads(path.read_text(encoding="utf-8"))) for path in framework_files(directory)
    ]


def load_document(document: dict) -> LoadResult:
    for field in ("key", "version", "title", "short_title", "kind", "publisher", "licence", "credit"):
        if not document.get(field):
            raise FrameworkFileError(f"framework file lacks {field!r}")
    key, version = document["key"], str(document["version"])
    digest = content_hash(document)
    existing = db.session.scalar(select(Framework).where(Framework.key == key, Framework.version == version))
    if existing is not None:
        if existing.content_hash != digest:
            raise FrameworkFileError(
                f"{key} version {version} is already loaded with different content. "
                "Give the changed file a new version, so links to the old wording stay as they were."
            )
        return LoadResult(key, version, "unchanged")

    labels.forget()
    older = db.session.scalars(
        select(Framework).where(Framework.key == key, Framework.is_current.is_(True))
    ).all()
    db.session.execute(update(Framework).where(Framework.key == key).values(is_current=False))
    framework = Framework(
        key=key,
        version=version,
        title=document["title"],
        short_title=document["short_title"],
        kind=document["kind"],
        publisher=document["publisher"],
        licence=document["licence"],
        credit=document["credit"],
        source_note=document.get("source_note") or "",
        extra={k: document[k] for k in ("proforma", "validator_prompts") if k in document},
        content_hash=digest,
        is_current=True,
    )
    db.session.add(framework)
    db.session.flush()
    for position, level in enumerate(document.get("levels", [])):
        db.session.add(
            FrameworkLevel(
                framework_id=framework.id,
                key=level["key"],
                label=level["label"],
                position=position,
                value=level.get("value"),
            )
        )
    if document["kind"] == "qi_framework":
        _load_categories(framework, document["categories"])
    else:
        _load_priority_groups(framework, document["groups"])
    db.session.flush()
    return LoadResult(key, version, "superseded an older version" if older else "loaded")


def _element(framework, kind, code, title, position, parent=None, **fields) -> FrameworkElement:
    element = FrameworkElement(
        framework_id=framework.id,
        kind=kind,
        code=code,
        title=title,
        position=position,
        parent_id=parent.id if parent else None,
        **fields,
    )
    words = [fields.get("number") or "", title, fields.get("hgioelc_title") or "", fields.get("text") or ""]
    if parent is not None and kind == "theme":
        words.append(parent.title)
    element.search_text = " ".join(w for w in words if w).lower()
    db.session.add(element)
    db.session.flush()
    return element


def _load_categories(framework: Framework, categories: list[dict]) -> None:
    for c_pos, category in enumerate(categories):
        cat = _element(
            framework,
            "category",
            f"cat-{category['number']}",
            category["title"],
            c_pos,
            number=str(category["number"]),
        )
        for q_pos, qi_doc in enumerate(category["qis"]):
            qi = _element(
                framework,
                "qi",
                qi_doc["number"],
                qi_doc["title"],
                q_pos,
                cat,
                number=qi_doc["number"],
                hgioelc_title=qi_doc.get("hgioelc_title"),
                note=qi_doc.get("note"),
            )
            for t_pos, theme in enumerate(qi_doc.get("themes", [])):
                progression = theme.get("progression") or {}
                _element(
                    framework,
                    "theme",
                    f"{qi_doc['number']}-{t_pos + 1}",
                    theme["title"],
                    t_pos,
                    qi,
                    number=qi_doc["number"],
                    hgioelc_title=theme.get("hgioelc_title"),
                    starting=progression.get("starting"),
                    building=progression.get("building"),
                    highly_effective=progression.get("highly_effective"),
                    note=theme.get("note"),
                    untitled_in_source=bool(theme.get("untitled_in_source")),
                )
            for position, text in enumerate(qi_doc.get("challenge_questions", [])):
                db.session.add(ChallengeQuestion(element_id=qi.id, position=position, text=text))


def _load_priority_groups(framework: Framework, groups: list[dict]) -> None:
    for g_pos, group in enumerate(groups):
        parent = _element(framework, "priority_group", group["key"], group["title"], g_pos)
        for position, item in enumerate(group["items"]):
            _element(
                framework,
                "priority",
                item["code"],
                item["title"],
                position,
                parent,
                number=item["code"],
                text=item["text"],
            )


def frameworks_loaded() -> bool:
    return db.session.scalar(select(Framework.id).limit(1)) is not None
