"""Showroom → central: the showroom's own state for central's showrooms page (POST /api/v1/sync/status,
pos.protocol.events.STATUS), today its e-invoices pending, refused and of today unsent. Sent by the sync loop
when the counts change, and every SYNC_CATALOG_INTERVAL_S all the same (so central sees they are current)."""

import time

from flask import current_app

from pos.core.clock import utcnow
from pos.einvoice.sender import unsent_counts
from pos.sync.client import CentralClient


def current_status() -> dict:
    pending, refused, unsent_today = unsent_counts()
    return {
        "at": utcnow().isoformat(timespec="microseconds") + "Z",  # two reports in a second are told apart
        "einvoices_pending": pending,
        "einvoices_refused": refused,
        "einvoices_unsent_today": unsent_today,
    }


class StatusReporter:
    """Remembers what central was last told, so an unchanged state is sent only once a catalog interval."""

    def __init__(self):
        self.sent: tuple | None = None
        self.due = 0.0

    def report(self, client: CentralClient) -> bool:
        """Send the status when it changed or is due; True when sent. Raises CentralUnavailable."""
        status = current_status()
        counts = tuple(value for key, value in status.items() if key != "at")
        if counts == self.sent and time.monotonic() < self.due:
            return False
        client.send_status(status)
        self.sent, self.due = counts, time.monotonic() + current_app.config["SYNC_CATALOG_INTERVAL_S"]
        return True
