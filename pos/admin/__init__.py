from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.admin.names import ACTION_LABELS, ENTITY_LABELS, FIELD_LABELS
from pos.core.formatting import register_labels
from pos.core.navigation import add_nav_entry

bp = Blueprint("admin", __name__, url_prefix="/admin", cli_group=None)
register_labels("action", ACTION_LABELS)
register_labels("entity", ENTITY_LABELS)
register_labels("field", FIELD_LABELS)
add_nav_entry("admin.audit", _l("Audit log"), role="manager", order=80, group="admin")
add_nav_entry("admin.users", _l("Users"), role="admin", order=90, group="admin")
add_nav_entry("admin.settings", _l("Settings"), role="admin", order=91, group="admin")
add_nav_entry("admin.einvoice_settings", _l("E-invoicing"), role="admin", order=92, group="admin")

from pos.admin import cli, views  # noqa: E402,F401
