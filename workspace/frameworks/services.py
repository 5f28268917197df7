"""Reading the frameworks: what the framework browser shows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..models import ChallengeQuestion, Framework, FrameworkElement


@dataclass
class Node:
    element: FrameworkElement
    children: list[Node] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


def current_frameworks() -> list[Framework]:
    return list(
        db.session.scalars(
            select(Framework)
            .where(Framework.is_current.is_(True))
            .order_by(Framework.kind.desc(), Framework.key)
        )
    )


def superseded_frameworks() -> list[Framework]:
    return list(
        db.session.scalars(
            select(Framework)
            .where(Framework.is_current.is_(False))
            .order_by(Framework.key, Framework.loaded_at)
        )
    )


def framework_tree(framework: Framework) -> list[Node]:
    """The framework's categories (or IGBE groups) with their QIs, themes and questions: three queries."""
    elements = db.session.scalars(
        select(FrameworkElement)
        .where(FrameworkElement.framework_id == framework.id)
        .order_by(FrameworkElement.position, FrameworkElement.id)
    ).all()
    questions = _questions_for([e.id for e in elements if e.kind == "qi"])
    nodes = {e.id: Node(e, questions=questions.get(e.id, [])) for e in elements}
    roots = []
    for element in elements:
        node = nodes[element.id]
        if element.parent_id is None:
            roots.append(node)
        else:
            nodes[element.parent_id].children.append(node)
    return roots


def _questions_for(element_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if element_ids:
        for question in db.session.scalars(
            select(ChallengeQuestion)
            .where(ChallengeQuestion.element_id.in_(element_ids))
            .order_by(ChallengeQuestion.position)
        ):
            found[question.element_id].append(question.text)
    return found


def element_detail(element: FrameworkElement) -> Node:
    """An element with its children (a QI's themes) and challenge questions."""
    qi = element if element.kind == "qi" else element.parent if element.kind == "theme" else None
    children = db.session.scalars(
        select(FrameworkElement)
        .where(FrameworkElement.parent_id == element.id)
        .order_by(FrameworkElement.position)
    ).all()
    node = Node(element, children=[Node(c) for c in children])
    if qi is not None:
        node.questions = _questions_for([qi.id]).get(qi.id, [])
    return node


def ancestors(element: FrameworkElement) -> list[FrameworkElement]:
    chain: list[FrameworkElement] = []
    parent = element.parent
    while parent is not None:
        chain.insert(0, parent)
        parent = parent.parent
    return chain
