from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from pos.auth.access import role_required
from pos.core.audit import record_audit
from pos.core.database import atomic
from pos.sync import bp
from pos.sync.reconcile import recent_days
from pos.sync.recovery import recovery_pending
from pos.sync.sender import dead_letters, retry_dead, send_again, stuck_entries, sync_status


@bp.get("/sync")
@role_required("manager")
def status_page():
    """Đồng bộ: queue, lag, dead letters, and each recent day's figures next to central's."""
    status = sync_status()
    checks = recent_days() if status.configured else []
    return render_template(
        "sync/status.html",
        status=status,
        checks=checks,
        dead=dead_letters(),
        restored=recovery_pending(),
        stuck=stuck_entries() if status.stuck else [],
    )


@bp.post("/sync/retry")
@role_required("manager")
def retry():
    """Send the selected dead-lettered or stuck events again; with none selected, every dead letter (or, from
    the stuck list, every stuck event)."""
    ids = [int(i) for i in request.form.getlist("entry_id") if i.isdigit() and len(i) < 19]
    if ids:
        count = send_again(ids)
    elif request.form.get("scope") == "stuck":
        ids = [entry.id for entry in stuck_entries()]
        count = send_again(ids)
    else:
        count = retry_dead()
    with atomic():
        record_audit(
            "retry", "outbox", ",".join(map(str, ids))[:200] or "all dead", note=f"{count} events put back in the queue"
        )
    flash(_("%(count)d events put back in the queue.", count=count), "success")
    return redirect(url_for("sync.status_page"))
