"""JSON for the customer display (public: it carries its own cookie) and for the till that pairs with it."""

from flask import current_app, jsonify, request, url_for
from flask_login import current_user

from pos.auth.access import public, role_required
from pos.core.errors import ValidationError
from pos.core.formatting import format_local
from pos.core.limits import ROW_ID_MAX, bounded
from pos.display import bp
from pos.display.service import display_view, pair, pairings, push_state, request_code, revoke

COOKIE = "pos_display"
COOKIE_MAX_AGE = 400 * 24 * 3600  # a display is paired once and stays paired (browsers cap cookies at 400 days)


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("The request body must be a JSON object.", fields={"body": "not JSON"})
    return body


def _view_json(view: dict):
    if view.get("phase") == "vietqr" and view.get("qr"):
        view["qr"] = view["qr"] | {"image": url_for("display.vietqr_png", v=view["version"])}
    return jsonify(view)


@bp.get("/api/v1/display/state")
@public
def state():
    """What this display shows now; 204 when it is still the version the display has (`?v=`)."""
    view = display_view(request.cookies.get(COOKIE))
    if view.get("paired") and request.args.get("v") == view["version"]:
        return "", 204
    return _view_json(view)


@bp.post("/api/v1/display/code")
@public
def code():
    """A code for this display to show until a cashier types it at the till (the same one again on a reload)."""
    token, _row = request_code(request.cookies.get(COOKIE), request.remote_addr or "")
    response = _view_json(display_view(token))
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.post("/api/v1/display/pair")
@role_required("cashier")
def pair_display():
    """The cashier typed the display's code: the till's token for sending it what to show."""
    body = _body()
    till_token, row = pair(body.get("code"), current_user, body.get("till_token"))
    return jsonify({"display_id": row.id, "till_token": till_token, "paired_at": format_local(row.paired_at)})


@bp.post("/api/v1/display/show")
@role_required("cashier")
def show():
    """The till's cart as its display shows it; 404 not_paired when the till's pairing has ended."""
    body = _body()
    row = push_state(body.get("till_token"), body.get("state"))
    return jsonify({"display_id": row.id, "version": row.version})


@bp.get("/api/v1/display/pairings")
@role_required("cashier")
def list_pairings():
    return jsonify(
        {
            "displays": [
                {"id": row.id, "paired_at": format_local(row.paired_at), "updated_at": format_local(row.state_at)}
                for row in pairings()
            ]
        }
    )


@bp.post("/api/v1/display/revoke")
@role_required("cashier")
def revoke_display():
    display_id = bounded(_body().get("display_id"), 1, ROW_ID_MAX)
    if display_id is None:
        raise ValidationError("Name the display to let go.", fields={"display_id": "a display's number"})
    revoke(display_id, current_user)
    return jsonify({"display_id": display_id, "revoked": True})
