"""Pages for transfers between showrooms, consignment settlement and stock valuation (managers)."""

from datetime import date, datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pos.auth.access import role_required
from pos.catalog.service import parse_date
from pos.core.clock import LOCAL_TZ
from pos.core.database import requested_page, row_id
from pos.core.errors import DomainError, Text
from pos.core.exports import csv_response
from pos.core.extensions import db
from pos.inventory import bp
from pos.inventory.consignment import (
    consigning_producers,
    consignment_statement,
    settle,
    settlement_statement,
    settlements,
)
from pos.inventory.problems import field_name, form_problems
from pos.inventory.transfers import (
    create_transfer_in,
    create_transfer_out,
    delete_transfer,
    post_transfer,
    posting_problems,
    update_transfer,
)
from pos.inventory.valuation import valuation_as_of, valuation_now
from pos.models import Transfer

FORM_ROWS = 10
TRANSFER_FIELDS = {"out": ("sku", "quantity"), "in": ("sku", "lot_code", "expiry_date", "quantity", "unit_cost")}


def _today() -> date:
    return datetime.now(LOCAL_TZ).date()


# --- transfers --------------------------------------------------------------------------------------------------


@bp.get("/transfers")
@role_required("manager")
def transfers():
    rows = db.session.scalars(
        select(Transfer).order_by(Transfer.id.desc()).limit(500).options(selectinload(Transfer.lines))
    ).all()
    if request.args.get("format") == "csv":
        return csv_response(
            "transfers",
            [
                "number",
                "direction",
                "other_showroom",
                "their_number",
                "status",
                "lines",
                "units",
                "created_at_utc",
                "posted_at_utc",
            ],
            [
                (
                    t.number,
                    t.direction,
                    t.other_showroom,
                    t.their_number or "",
                    t.status,
                    len(t.lines),
                    sum(line.quantity for line in t.lines),
                    t.created_at.isoformat(timespec="seconds"),
                    t.posted_at.isoformat(timespec="seconds") if t.posted_at else "",
                )
                for t in rows
            ],
        )
    return render_template("inventory/transfers.html", transfers=rows, own_code=current_app.config["SHOWROOM_CODE"])


@bp.route("/transfers/new", methods=["GET", "POST"])
@role_required("manager")
def transfer_new():
    direction = "in" if request.values.get("direction") == "in" else "out"
    fields = TRANSFER_FIELDS[direction]
    errors, lines, form = {}, [{} for _ in range(FORM_ROWS)], {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("showroom", "their_number", "note")}
        lines = [{f: request.form.get(f"{f}_{i}", "") for f in fields} for i in range(FORM_ROWS)]
        try:
            if direction == "out":
                transfer = create_transfer_out(form["showroom"], lines, current_user, form["note"])
            else:
                transfer = create_transfer_in(form["showroom"], form["their_number"], lines, current_user, form["note"])
            flash(_("Draft transfer %(number)s saved. Check it, then post it.", number=transfer.number), "success")
            return redirect(url_for("inventory.transfer_detail", transfer_id=transfer.id))
        except DomainError as error:
            errors = form_problems(error)
    return render_template(
        "inventory/transfer_new.html",
        direction=direction,
        lines=lines,
        errors=errors,
        form=form,
        own_code=current_app.config["SHOWROOM_CODE"],
    ), (422 if errors else 200)


@bp.route("/transfers/<int:transfer_id>/edit", methods=["GET", "POST"])
@role_required("manager")
def transfer_edit(transfer_id):
    transfer = db.get_or_404(Transfer, transfer_id)
    if transfer.status != "draft":
        flash(_("Only a draft transfer can be changed."), "error")
        return redirect(url_for("inventory.transfer_detail", transfer_id=transfer_id))
    fields, errors = TRANSFER_FIELDS[transfer.direction], {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("showroom", "their_number", "note")}
        rows = max(FORM_ROWS, min(request.form.get("rows", 0, type=int), 200))
        lines = [{f: request.form.get(f"{f}_{i}", "") for f in fields} for i in range(rows)]
        try:
            update_transfer(transfer_id, form["showroom"], form["their_number"], lines, current_user, form["note"])
            flash(_("Draft transfer %(number)s saved. Check it, then post it.", number=transfer.number), "success")
            return redirect(url_for("inventory.transfer_detail", transfer_id=transfer_id))
        except DomainError as error:
            errors = form_problems(error)
    else:
        form = {"showroom": transfer.other_showroom, "their_number": transfer.their_number or "", "note": transfer.note}
        lines = [
            {
                "sku": line.product.sku,
                "lot_code": line.lot_code,
                "quantity": line.quantity,
                "expiry_date": line.expiry_date.isoformat() if line.expiry_date else "",
                "unit_cost": "" if line.unit_cost is None else line.unit_cost,
            }
            for line in transfer.lines
        ]
        lines += [{} for _ in range(max(FORM_ROWS - len(lines), 2))]
    return render_template(
        "inventory/transfer_new.html",
        direction=transfer.direction,
        lines=lines,
        errors=errors,
        form=form,
        transfer=transfer,
        own_code=current_app.config["SHOWROOM_CODE"],
    ), (422 if errors else 200)


@bp.route("/transfers/<int:transfer_id>", methods=["GET", "POST"])
@role_required("manager")
def transfer_detail(transfer_id):
    transfer = db.get_or_404(Transfer, transfer_id)
    if request.method == "POST":
        try:
            if request.form.get("action") == "post":
                post_transfer(transfer_id, current_user)
                flash(_("Transfer posted: the stock has moved."), "success")
            elif request.form.get("action") == "delete":
                number = delete_transfer(transfer_id, current_user)
                flash(_("Draft transfer %(number)s deleted.", number=number), "success")
                return redirect(url_for("inventory.transfers"))
        except DomainError as error:
            flash(error.message, "error")
        return redirect(url_for("inventory.transfer_detail", transfer_id=transfer_id))
    if request.args.get("format") == "csv":
        return csv_response(
            transfer.number,
            ["sku", "name_vi", "lot", "expiry_date", "quantity", "unit_cost"],
            [
                (
                    line.product.sku,
                    line.product.name_vi,
                    line.lot_code,
                    line.expiry_date or "",
                    line.quantity,
                    "" if line.unit_cost is None else line.unit_cost,
                )
                for line in transfer.lines
            ],
        )
    return render_template(
        "inventory/transfer_detail.html",
        transfer=transfer,
        problems=[str(p) for p in posting_problems(transfer)],
        own_code=current_app.config["SHOWROOM_CODE"],
    )


# --- consignment ------------------------------------------------------------------------------------------------


@bp.get("/consignment")
@role_required("manager")
def consignment():
    producers = consigning_producers()
    today = _today()
    producer_id = row_id(request.args, "producer_id") or (producers[0].id if producers else None)
    date_from = request.args.get("date_from") or today.replace(day=1).isoformat()
    date_to = request.args.get("date_to") or today.isoformat()
    statement, errors = None, {}
    if producer_id:
        try:
            statement = consignment_statement(producer_id, date_from, date_to)
        except DomainError as error:
            errors = form_problems(error)
    if statement and request.args.get("format") == "csv":
        return csv_response(
            f"consignment-{statement.producer.id}-{statement.date_from}-{statement.date_to}",
            ["sku", "name_vi", "commission_rate", "units", "revenue", "commission", "payable"],
            [
                (r.product.sku, r.product.name_vi, r.commission_rate, r.units, r.revenue, r.commission, r.payable)
                for r in statement.rows
            ]
            + [("", "TOTAL", "", statement.units, statement.revenue, statement.commission, statement.payable)],
        )
    return render_template(
        "inventory/consignment.html",
        producers=producers,
        producer_id=producer_id,
        date_from=date_from,
        date_to=date_to,
        statement=statement,
        errors=errors,
        print_view=request.args.get("view") == "print",
        today=today,
    ), (422 if errors else 200)


@bp.post("/consignment/settle")
@role_required("manager")
def consignment_settle():
    producer_id = row_id(request.form, "producer_id")
    date_from, date_to = request.form.get("date_from", ""), request.form.get("date_to", "")
    try:
        settlement = settle(
            producer_id, date_from, date_to, current_user, expected_revenue=request.form.get("expected_revenue")
        )
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("inventory.consignment", producer_id=producer_id, date_from=date_from, date_to=date_to))
    flash(
        _(
            "Settled as %(number)s: %(payable)s payable to the producer.",
            number=settlement.number,
            payable=current_app.jinja_env.filters["vnd"](settlement.payable),
        ),
        "success",
    )
    return redirect(url_for("inventory.settlement_detail", settlement_id=settlement.id))


@bp.get("/consignment/settlements")
@role_required("manager")
def consignment_settlements():
    rows = settlements(row_id(request.args, "producer_id"))
    if request.args.get("format") == "csv":
        return csv_response(
            "consignment-settlements",
            [
                "number",
                "producer",
                "period_from",
                "period_to",
                "units",
                "revenue",
                "commission",
                "payable",
                "settled_by",
                "settled_at_utc",
            ],
            [
                (
                    s.number,
                    s.producer.name,
                    s.period_from,
                    s.period_to,
                    s.units,
                    s.revenue,
                    s.commission,
                    s.payable,
                    s.settled_by.username,
                    s.settled_at.isoformat(timespec="seconds"),
                )
                for s in rows
            ],
        )
    return render_template("inventory/settlements.html", settlements=rows)


@bp.get("/consignment/settlements/<int:settlement_id>")
@role_required("manager")
def settlement_detail(settlement_id):
    settlement, rows = settlement_statement(settlement_id)
    if request.args.get("format") == "csv":
        return csv_response(
            settlement.number,
            ["sku", "name_vi", "commission_rate", "units", "revenue", "commission", "payable"],
            [
                (r.product.sku, r.product.name_vi, r.commission_rate, r.units, r.revenue, r.commission, r.payable)
                for r in rows
            ]
            + [("", "TOTAL", "", settlement.units, settlement.revenue, settlement.commission, settlement.payable)],
        )
    return render_template(
        "inventory/settlement_detail.html",
        settlement=settlement,
        rows=rows,
        print_view=request.args.get("view") == "print",
    )


# --- valuation --------------------------------------------------------------------------------------------------


@bp.get("/valuation")
@role_required("manager")
def valuation():
    raw = (request.args.get("date") or "").strip()
    errors: dict = {}
    day = parse_date(raw, "date", errors, required=False) if raw else None
    if day and not date(2000, 1, 1) <= day <= _today():
        errors["date"] = Text("between 2000-01-01 and today")
    if errors:
        day = None
        errors = {str(field_name(k)): str(v) for k, v in errors.items()}
    result = valuation_as_of(day) if day else valuation_now()
    if request.args.get("format") == "csv":
        return csv_response(
            f"valuation-{day.isoformat() if day else 'now'}",
            ["sku", "name_vi", "on_hand", "average_cost", "value"],
            [(r.product.sku, r.product.name_vi, r.on_hand, r.average_cost, r.value) for r in result.rows]
            + [("", "TOTAL", result.units, "", result.total)],
        )
    page, per_page = requested_page(), 100
    return render_template(
        "inventory/valuation.html",
        valuation=result,
        raw_date=raw,
        errors=errors,
        rows=result.rows[(page - 1) * per_page : page * per_page],
        page=page,
        pages=max(1, -(-len(result.rows) // per_page)),
    ), (422 if errors else 200)
