"""An event central cannot take never holds back the others: the sender narrows the batch down to it, sends
every other event now, and dead-letters that one with central's reason after a few tries; an outage, by
contrast, dead-letters nothing. The manager sees stuck and refused events on /sync and sends them again."""

from datetime import timedelta

import flask
import pytest
from flask import Response
from sqlalchemy import func, select

import pos.central.api
from pos.core.clock import utcnow
from pos.models import AuditEntry, OutboxEntry, RemoteSale
from pos.sync.sender import push_all, push_once, sync_status
from tests.conftest import stock
from tests.sync.conftest import assert_books_match, sell


def _statuses(db):
    return dict(db.session.execute(select(OutboxEntry.status, func.count()).group_by(OutboxEntry.status)).all())


def _central_count(central):
    return central.query(lambda s: s.scalar(select(func.count()).select_from(RemoteSale)))


class CentralFailsOn:
    """Central's ingest fails (as a column overflow or a driver error would) on any batch holding one of
    `uuids`; counts the batches it was sent."""

    def __init__(self, monkeypatch, uuids):
        self.uuids, self.batches = set(uuids), []
        original = pos.central.api.ingest_batch

        def ingest(showroom, events):
            self.batches.append(len(events))
            if any(isinstance(e, dict) and e.get("uuid") in self.uuids for e in events):
                raise RuntimeError('value "2400000000" is out of range for type integer')
            return original(showroom, events)

        monkeypatch.setattr(pos.central.api, "ingest_batch", ingest)


def test_one_event_central_cannot_store_among_499_good_ones(
    app, db, users, shop, central, central_client, manager_client, monkeypatch
):
    stock(shop["tea"], 600)
    sales = [sell(users["cashier"], shop["tea"]) for _ in range(500)]
    poison = sales[137]
    central_fault = CentralFailsOn(monkeypatch, [poison.uuid])

    result = push_all(central_client)
    assert (result.sent, result.dead) == (499, 0)
    assert _central_count(central) == 499
    assert _statuses(db) == {"sent": 499, "pending": 1}
    assert len(central_fault.batches) <= 2 * 9 + 1  # halving, not one request per event
    entry = db.session.scalar(select(OutboxEntry).where(OutboxEntry.status == "pending"))
    assert entry.uuid == poison.uuid and entry.faults == 1 and "central answered 500" in entry.last_error
    assert entry.next_attempt_at > utcnow()  # the backoff, not a hot loop

    # The next tries send it alone (the others are gone); the third failure dead-letters it.
    assert push_once(central_client, ignore_backoff=True).dead == 0
    assert push_once(central_client, ignore_backoff=True).dead == 1
    dead = db.session.get(OutboxEntry, entry.id)
    assert dead.status == "dead" and dead.faults == 3 and "500" in dead.last_error

    page = manager_client.get("/sync?lang=en").get_data(as_text=True)
    assert poison.uuid in page and 'id="dead">1<' in page
    assert "central answered 500: Đã có lỗi. Chưa có gì được lưu" in page  # central's own words

    # The cause is fixed at central; the manager sends it again; the books match.
    monkeypatch.setattr(pos.central.api, "ingest_batch", pos.central.ingest.ingest_batch)
    assert manager_client.post("/sync/retry", data={"entry_id": str(entry.id)}).status_code == 302
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "retry"))
    assert audit.entity_id == str(entry.id) and audit.username == "manager"
    assert push_all(central_client).sent == 1
    assert _statuses(db) == {"sent": 500} and _central_count(central) == 500
    assert_books_match(central_client)


def test_an_answer_the_sender_cannot_read_is_narrowed_down_too(
    app, db, users, shop, central, central_client, monkeypatch
):
    sales = [sell(users["cashier"], shop["tea"]) for _ in range(7)]

    def garbled(showroom, events):  # a proxy's error page in place of central's answer
        if any(e.get("uuid") == sales[3].uuid for e in events):
            return Response("<html>upstream says hello</html>", 200, content_type="text/html")
        return pos.central.ingest.ingest_batch(showroom, events)

    monkeypatch.setattr(pos.central.api, "ingest_batch", garbled)
    monkeypatch.setattr(
        pos.central.api,
        "jsonify",
        lambda value: value.get("results") if isinstance(value.get("results"), Response) else flask.jsonify(value),
    )
    assert push_all(central_client).sent == 6
    for _ in range(2):
        push_once(central_client, ignore_backoff=True)
    dead = db.session.scalar(select(OutboxEntry).where(OutboxEntry.status == "dead"))
    assert dead.uuid == sales[3].uuid and "something other than JSON" in dead.last_error


@pytest.mark.parametrize("outage", ["stopped", "503", "500 for every batch"])
def test_an_outage_never_dead_letters_anything(app, db, users, shop, central, central_client, monkeypatch, outage):
    for _ in range(3):
        sell(users["cashier"], shop["tea"])
    if outage == "stopped":
        central.stop()
    elif outage == "503":
        monkeypatch.setattr(pos.central.api, "ingest_batch", lambda *a: flask.abort(503))
    else:
        monkeypatch.setattr(pos.central.api, "ingest_batch", lambda *a: 1 / 0)
    for _ in range(6):
        result = push_once(central_client, ignore_backoff=True)
        assert result.dead == 0 and result.sent == 0 and result.error
    assert _statuses(db) == {"pending": 3}
    assert set(db.session.scalars(select(OutboxEntry.faults))) == {0}
    if outage == "stopped":
        central.restart()
    monkeypatch.setattr(pos.central.api, "ingest_batch", pos.central.ingest.ingest_batch)
    assert push_all(central_client, ignore_backoff=True).sent == 3
    assert_books_match(central_client)


def test_a_stuck_event_shows_on_the_sync_page_and_can_be_sent_now(
    app, db, users, shop, central, central_client, manager_client
):
    central.stop()
    sale = sell(users["cashier"], shop["tea"])
    push_once(central_client)
    entry = db.session.scalar(select(OutboxEntry))
    assert entry.next_attempt_at > utcnow()
    page = manager_client.get("/sync").get_data(as_text=True)
    assert 'id="stuck">0<' in page and "stuck-events" not in page  # young: only pending
    entry.created_at = utcnow() - timedelta(seconds=app.config["SYNC_STUCK_AFTER_S"] + 60)
    db.session.commit()
    assert sync_status().stuck == 1
    assert "stuck:        1" in app.test_cli_runner().invoke(args=["sync", "status"]).output
    page = manager_client.get("/sync?lang=en").get_data(as_text=True)
    assert 'id="stuck">1<' in page and sale.uuid in page and "central unreachable" in page
    central.restart()
    assert push_once(central_client).sent == 0  # still in its backoff
    response = manager_client.post("/sync/retry", data={"scope": "stuck"})
    assert response.status_code == 302
    assert push_once(central_client).sent == 1
    assert 'id="stuck">0<' in manager_client.get("/sync").get_data(as_text=True)
    assert_books_match(central_client)
