"""The step that ends every form view: commit what it changed, or show why a service refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import flash

from .extensions import db
from .forms_common import form_errors_from
from .services_errors import ServiceError


class Outcome:
    """What `saving` did: `ok` once the block's changes are committed."""

    ok = False


@contextmanager
def saving(form=None) -> Iterator[Outcome]:
    """Runs the block's changes as one unit: committed if it finishes; rolled back where a
    service refuses (ServiceError), the reason then shown at the field it names or above the
    form (flashed, where there is no form). Anything else propagates, as an error should.

        with saving(form) as saved:
            school = services.add_school(...)
        if saved.ok:
            return redirect_to(...)
    """
    outcome = Outcome()
    try:
        yield outcome
    except ServiceError as error:
        db.session.rollback()
        if form is None:
            flash(error.message)
        else:
            form_errors_from(error, form)
    else:
        db.session.commit()
        outcome.ok = True
