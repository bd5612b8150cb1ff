from flask import Blueprint

bp = Blueprint("auth", __name__, cli_group=None)

from pos.auth import cli, views  # noqa: E402,F401
