"""The audit log: call record_audit() inside the transaction that makes the change."""

from flask import has_request_context
from flask_login import current_user

from pos.core.extensions import db
from pos.models import AuditEntry


def record_audit(
    action: str, entity: str = "", entity_id="", *, before=None, after=None, note: str = "", user=None
) -> AuditEntry:
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    entry = AuditEntry(
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        note=note,
        user_id=user.id if user else None,
        username=user.username if user else "",
    )
    db.session.add(entry)
    return entry
