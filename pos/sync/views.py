from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from pos.auth.access import role_required
from pos.audit import record_audit
from pos.database import atomic
from pos.sync import bp
from pos.sync.reconcile import recent_days
from pos.sync.sender import dead_letters, retry_dead, sync_status


@bp.get("/sync")
@role_required("manager")
def status_page():
    """Đồng bộ: queue, lag, dead letters, and each recent day's figures next to central's."""
    status = sync_status()
    checks = recent_days() if status.configured else []
    return render_template("sync/status.html", status=status, checks=checks, dead=dead_letters())


@bp.post("/sync/retry")
@role_required("manager")
def retry():
    ids = [int(i) for i in request.form.getlist("entry_id") if i.isdigit()] or None
    count = retry_dead(ids)
    with atomic():
        record_audit("retry", "outbox", ",".join(map(str, ids or [])) or "all", note=f"{count} dead letters requeued")
    flash(_("%(count)d events put back in the queue.", count=count), "success")
    return redirect(url_for("sync.status_page"))
