from flask import render_template
from flask_login import current_user

from pos.auth.access import role_required
from pos.core.clock import local_today
from pos.home import bp
from pos.home.service import morning


@bp.get("/home")
@role_required("cashier")
def index():
    """The morning page: every figure links to the page it comes from."""
    manager = current_user.has_role("manager")
    return render_template("home/index.html", page=morning(local_today(), manager=manager), manager=manager)
