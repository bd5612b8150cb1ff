"""Extensions, created unbound and bound to the app in create_app()."""

import contextvars

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSqlaSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# The atomic() block open in this context (pos/core/database.py), or None.
ATOMIC_BLOCK: contextvars.ContextVar = contextvars.ContextVar("atomic_block", default=None)


class Session(FlaskSqlaSession):
    """db.session. Inside atomic() it runs on atomic()'s connection and leaves the commit to it
    (pos/core/database.py)."""

    def get_bind(self, *args, **kwargs):
        block = ATOMIC_BLOCK.get()
        return block.connection() if block is not None else super().get_bind(*args, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
