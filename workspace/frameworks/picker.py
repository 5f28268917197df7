"""State of the link picker: what is chosen, what was searched for, what the search found.

The picker works the same whether htmx drives it (GET requests to frameworks.picker) or a plain
form is submitted with one of its buttons (field_add, field_remove, field_search): the record's
form view calls picker_from_formdata() and, where picker.is_action, shows the form again
instead of saving.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..forms_common import parse_id
from ..models import FrameworkElement
from . import linking

MAX_QUERY = 100
RESULTS_SHOWN = 15


@dataclass
class Picker:
    field: str
    chosen: list[FrameworkElement]
    query: str = ""
    results: list[FrameworkElement] = dataclasses.field(default_factory=list)  # `field` is taken
    is_action: bool = False  # a picker button was pressed: show the form again, save nothing
    focus_search: bool = False  # after add or remove, focus returns to the search box
    legend: str = "Linked QIs, themes and IGBE priorities"

    @property
    def dom_id(self) -> str:
        return f"picker-{self.field}"

    @property
    def shown_results(self) -> list[FrameworkElement]:
        return self.results[:RESULTS_SHOWN]

    @property
    def more_results(self) -> bool:
        return len(self.results) > RESULTS_SHOWN

    @property
    def chosen_ids(self) -> list[int]:
        return [e.id for e in self.chosen]

    def label(self, element: FrameworkElement) -> str:
        return linking.element_label(element)


def _ints(values) -> list[int]:
    return [number for number in (parse_id(value) for value in values) if number is not None]


def build_picker(
    field_name: str, chosen_ids, query: str = "", add=None, remove=None, search_requested: bool = False
) -> Picker:
    ids = _ints(chosen_ids)
    add_ids, remove_ids = (
        _ints([add] if add is not None else []),
        set(_ints([remove] if remove is not None else [])),
    )
    ids = [i for i in ids + add_ids if i not in remove_ids]
    chosen = linking.elements_by_id(ids)
    query = (query or "").strip()[:MAX_QUERY]
    # One more than is shown, to know whether to say there are more.
    results = linking.search(query, limit=RESULTS_SHOWN + 1, exclude=[e.id for e in chosen]) if query else []
    return Picker(
        field=field_name,
        chosen=chosen,
        query=query,
        results=results,
        is_action=bool(add_ids or remove_ids or search_requested),
        focus_search=bool(add_ids or remove_ids),
    )


def picker_from_formdata(formdata, field_name: str = "links") -> Picker:
    """The picker as a submitted form left it, with any button pressed applied."""
    return build_picker(
        field_name,
        formdata.getlist(field_name),
        formdata.get(f"{field_name}_q", ""),
        add=formdata.get(f"{field_name}_add"),
        remove=formdata.get(f"{field_name}_remove"),
        search_requested=f"{field_name}_search" in formdata,
    )


def picker_for(field_name: str, elements: list[FrameworkElement]) -> Picker:
    return Picker(field=field_name, chosen=list(elements))
