"""Flask extensions, created unbound and initialised in create_app()."""

from typing import TYPE_CHECKING, Any

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Executable, MetaData
from sqlalchemy.orm import DeclarativeBase

# A naming convention gives every constraint a stable name, so Alembic can alter
# and drop them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# The models' base class. To a type checker `db.Model` is a variable, not a class, so it reads the
# declarative base it is built on; at run time it is Flask-SQLAlchemy's model class.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def read_rows(statement: Executable, parameters: dict | None = None) -> Any:  # a Result, rows as selected
    """The rows of a statement that selects columns, not records, run on the session's connection,
    in the session's transaction, after the session's autoflush (as `Session.execute` would: not
    inside `no_autoflush`, nor from within a flush). What it leaves out of `Session.execute` is
    the ORM's part: preparing to load records from the rows, `do_orm_execute` hooks, the
    session's execution options and a bind chosen by mapper (there is one engine). Rows are keyed
    as Core keys them; the callers read them by position. For rows of columns, that part was most
    of what a small statement cost (docs/performance.md).

    Not for a statement that loads records (`select(Model)`): on a connection it gives back bare
    columns, without an error (tests/test_read_rows.py checks the busy pages for one)."""
    session = db.session()
    if session.autoflush and not session._flushing:  # what Session._autoflush checks
        session.flush()
    return session.connection().execute(statement, parameters)


def commit_keeping_loaded() -> None:
    """Commit without expiring what this request has loaded: for an answer built from the
    records the request has just read and written, which would otherwise be read again."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
