"""The dashboard's results, remembered per process for a short while.

A lead refines filters, pages back and forth, and several leads and officers watch the same
partnership: the same page of results is asked for again and again while the actions behind it
stay the same. The rendered results are kept against the partnership's actions_version (moved
on in the transaction of any change that would alter them: changes.py), the filters, the kind
of list and the day; an entry is also dropped after DASHBOARD_CACHE_SECONDS (60 by default), so
"no recent update" badges, which depend on the time, are at most that late. 0 turns it off.
Nothing in the results depends on who is looking, beyond the partnership.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date

from flask import current_app

MAX_ENTRIES = 500


def _store() -> OrderedDict:
    return current_app.extensions.setdefault("dashboard_results", OrderedDict())


def results(
    partnership_id: int,
    actions_version: int,
    kind: str,
    filters,
    render: Callable[[], str],
    current_version: Callable[[], int],
    today: date | None = None,
) -> str:
    """The rendered results for these filters: remembered, or rendered now and remembered.

    `actions_version` (read with the access check, on its own connection) finds a remembered
    page. A page rendered now is remembered under `current_version()`, read first in the same
    transaction as the render, so it is never filed under a version newer than what it shows."""
    seconds = current_app.config["DASHBOARD_CACHE_SECONDS"]
    if not seconds:
        return render()
    store = _store()
    day = today or date.today()
    now = time.monotonic()
    found = (partnership_id, actions_version, kind, filters, day)
    hit = store.get(found)
    if hit is not None and hit[0] > now:
        store.move_to_end(found)
        return hit[1]
    version = current_version()
    html = render()
    key = (partnership_id, version, kind, filters, day)
    store[key] = (now + seconds, html)
    store.move_to_end(key)
    while len(store) > MAX_ENTRIES:
        store.popitem(last=False)
    return html
