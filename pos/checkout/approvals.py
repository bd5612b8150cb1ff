"""A manager's approval at the till: their username and password typed in on the cashier's screen."""
from sqlalchemy import select
from werkzeug.security import check_password_hash

from pos.errors import DomainError, Text
from pos.extensions import db
from pos.models import User


class ApprovalRequired(DomainError):
    """422 like any payload the rules refuse; the till recognises the code and asks for a manager."""
    code = "approval_required"
    status = 422


def verify_manager(approval: dict | None, reason: Text) -> User:
    """The approving manager, or ApprovalRequired saying what needs approving."""
    if not isinstance(approval, dict) or not approval.get("username") or not approval.get("password"):
        raise ApprovalRequired("A manager must approve: %(reason)s", reason=reason, fields={"approval": str(reason)})
    user = db.session.scalar(select(User).where(User.username == str(approval["username"])[:64]))
    if (user is None or not user.active or not user.has_role("manager")
            or not check_password_hash(user.password_hash, str(approval["password"])[:200])):
        raise ApprovalRequired("The approval was refused (not a manager, or a wrong password): %(reason)s",
                               reason=reason, fields={"approval": "refused"})
    return user
