"""What central refuses for its content (not its signature) is final at the showroom: the event is
dead-lettered with central's reason, shown on /sync, and the rows behind it go through."""

import json
import uuid

from sqlalchemy import select

from pos.models import OutboxEntry
from pos.sync.sender import push_all, push_once
from tests.conftest import give_back
from tests.sync.conftest import assert_books_match, sell


def test_a_return_beyond_its_sale_is_dead_lettered_with_centrals_reason(
    app, db, users, shop, central, central_client, manager_client
):
    sale = sell(users["cashier"], shop["tea"])
    give_back(sale.number, users["manager"], reason="hỏng")
    refund = db.session.scalar(select(OutboxEntry).where(OutboxEntry.kind == "return"))
    # The same refund again under a new uuid, as a clumsy restore or a hostile showroom would send it.
    again = json.loads(refund.payload) | {"uuid": str(uuid.uuid4())}
    db.session.add(OutboxEntry(kind="return", uuid=again["uuid"], payload=json.dumps(again)))
    db.session.commit()
    later = sell(users["cashier"], shop["tea"])

    result = push_all(central_client)
    assert (result.sent, result.dead) == (3, 1)
    dead = db.session.scalar(select(OutboxEntry).where(OutboxEntry.status == "dead"))
    assert dead.uuid == again["uuid"]
    assert "1 units returned, but only 0 of the 1 sold are not returned yet" in dead.last_error
    page = manager_client.get("/sync").get_data(as_text=True)
    assert again["uuid"] in page and "not returned yet" in page
    assert db.session.scalar(select(OutboxEntry.status).where(OutboxEntry.uuid == later.uuid)) == "sent"
    # Removing the forged row is the showroom's business; the books agree with what central took.
    db.session.delete(db.session.get(OutboxEntry, dead.id))
    db.session.commit()
    assert_books_match(central_client)


def test_a_batch_never_exceeds_what_central_takes_whatever_sync_batch_size_says(
    app, db, users, shop, central, central_client, monkeypatch
):
    monkeypatch.setattr("pos.sync.sender.MAX_BATCH", 2)  # central's limit (500), made small
    app.config["SYNC_BATCH_SIZE"] = 10
    for _ in range(3):
        sell(users["cashier"], shop["tea"])
    assert push_once(central_client).sent == 2
    assert push_once(central_client).sent == 1
    assert_books_match(central_client)
