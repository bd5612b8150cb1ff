"""A manager's approval at the till: their username and password typed in on the cashier's screen."""
from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.security import check_password_hash

from pos.auth.service import StaffMember
from pos.errors import DomainError, Text
from pos.extensions import db
from pos.models import User


class ApprovalRequired(DomainError):
    """422 like any payload the rules refuse; the till recognises the code and asks for a manager."""
    code = "approval_required"
    status = 422


@dataclass(frozen=True)
class Approval:
    """What the till sent as a manager's approval, checked once. The check (a password hash, ~0.1 s) can so
    be made before a write transaction starts, and what it approves decided inside."""
    given: bool
    approver: StaffMember | None  # the manager; None when not given, or refused

    def require(self, reason: Text) -> StaffMember:
        """The approving manager, or ApprovalRequired saying what needs approving."""
        if not self.given:
            raise ApprovalRequired("A manager must approve: %(reason)s", reason=reason, fields={"approval": str(reason)})
        if self.approver is None:
            raise ApprovalRequired("The approval was refused (not a manager, or a wrong password): %(reason)s",
                                   reason=reason, fields={"approval": "refused"})
        return self.approver


def check_approval(approval: dict | None) -> Approval:
    if not isinstance(approval, dict) or not approval.get("username") or not approval.get("password"):
        return Approval(given=False, approver=None)
    user = db.session.scalar(select(User).where(User.username == str(approval["username"])[:64]))
    if (user is None or not user.active or not user.has_role("manager")
            or not check_password_hash(user.password_hash, str(approval["password"])[:200])):
        return Approval(given=True, approver=None)
    return Approval(given=True, approver=StaffMember.of(user))


def verify_manager(approval: dict | None, reason: Text) -> StaffMember:
    """The manager approving `reason` now, or ApprovalRequired saying what needs approving."""
    return check_approval(approval).require(reason)
