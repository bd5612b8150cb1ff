"""The OpenAPI document for /api/v1, served at /api/v1/openapi.json (and checked by schemathesis). Each role
documents what it serves: a showroom its till API, central the signed sync endpoints, whose bodies come from
the sync protocol's own declarations (pos.protocol.events). Its bounds are pos.core.limits', the ones the API
applies."""

from flask import Blueprint, current_app, jsonify

from pos.auth.access import public
from pos.core import limits
from pos.protocol import events, signing

bp = Blueprint("openapi", __name__)


def _object(required=(), *, strings=(), integers=(), arrays=(), **others) -> dict:
    """A JSON object's schema: its required properties' names, then its properties: plain strings, integers and
    arrays by name, and any other by its own schema."""
    plain = [("string", strings), ("integer", integers), ("array", arrays)]
    properties = {name: {"type": kind} for kind, names in plain for name in names}
    return {"type": "object", "required": list(required), "properties": properties | others}


_ERROR = _object(
    ["error", "message"],
    strings=["error", "message"],
    fields={"type": "object", "additionalProperties": {"type": "string"}},
)
_DISCOUNT = {
    "type": ["object", "null"],
    "properties": {
        "kind": {"enum": ["amount", "percent"]},
        "value": {"type": "integer", "minimum": 0, "maximum": limits.DISCOUNT_MAX},
    },
}
_LINE_IN = {
    "type": "object",
    "required": ["product_id", "quantity"],
    "additionalProperties": False,
    "properties": {
        "product_id": {"type": "integer", "minimum": 1, "maximum": limits.ROW_ID_MAX},
        "quantity": {"type": "integer", "minimum": 1, "maximum": limits.QUANTITY_MAX},
        "discount": _DISCOUNT,
        "lot": {"type": ["string", "null"], "maxLength": limits.LOT_MAX},
    },
}
_PAYMENT_IN = {
    "type": "object",
    "required": ["method", "amount"],
    "properties": {
        "method": {"enum": ["cash", "card", "vietqr"]},
        "amount": {"type": "integer", "minimum": 1, "maximum": limits.PAYMENT_MAX},
        "reference": {"type": "string", "maxLength": limits.PAYMENT_REFERENCE_MAX},
    },
}
_SALE = _object(
    ["uuid", "number", "total", "vat_total", "lines", "payments"],
    strings=["uuid", "number", "lookup_code"],
    integers=["total", "vat_total", "subtotal", "discount_total"],
    arrays=["lines", "payments"],
)
_PRODUCT = _object(
    ["id", "sku", "gtin", "name", "price", "vat_rate", "rating_status"],
    strings=["sku", "gtin", "name"],
    integers=["id", "price", "vat_rate", "on_hand"],
    stars={"type": ["integer", "null"]},
    rating_status={"enum": ["valid", "expiring", "expired", "revoked", "unrated"]},
    rating_status_label={"type": "string", "description": "the status in the UI language"},
    sellable_as_ocop={"type": "boolean"},
)


def _responses(ok_status: str, ok_schema: dict, *errors: str) -> dict:
    """Any request may be refused as unauthenticated (401), busy (503) or holding text no database can store
    (422: a NUL or a lone surrogate, pos.core.security_headers.refuse_unstorable_text)."""
    responses = {ok_status: {"description": "OK", "content": {"application/json": {"schema": ok_schema}}}}
    for status in ("401", "422", "503", *errors):
        responses[status] = {"description": "Refused", "content": {"application/json": {"schema": _ERROR}}}
    return responses


_SIGNED = [{"showroom": [], "timestamp": [], "signature": []}]  # all three headers, together


def _signed_post(summary: str, shape, answer: dict) -> dict:
    """A signed POST of one protocol shape, answered 200 with `answer`'s properties (all required)."""
    return {
        "post": {
            "summary": summary,
            "security": _SIGNED,
            "requestBody": _json_body(events.json_schema(shape)),
            "responses": _responses(
                "200", {"type": "object", "required": list(answer), "properties": answer}, "400", "422"
            ),
        }
    }


_SIGNATURE_SCHEMES = {
    "showroom": {
        "type": "apiKey",
        "in": "header",
        "name": signing.SHOWROOM_HEADER,
        "description": "the showroom's code",
    },
    "timestamp": {
        "type": "apiKey",
        "in": "header",
        "name": signing.TIMESTAMP_HEADER,
        "description": f"Unix time; at most {signing.MAX_CLOCK_SKEW_S} s off central's clock",
    },
    "signature": {
        "type": "apiKey",
        "in": "header",
        "name": signing.SIGNATURE_HEADER,
        "description": "hex HMAC-SHA256 with the showroom's secret over method, path with query, "
        "timestamp and body, joined by newlines",
    },
}
_ANSWER = _object(
    ["uuid", "status"], strings=["uuid", "reason"], status={"enum": ["accepted", "duplicate", "rejected", "retry"]}
)


def _json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _list(items: dict, most: int, least: int = 1) -> dict:
    return {"type": "array", "items": items, "minItems": least, "maxItems": most}


def _sync_paths() -> dict:
    event = {"oneOf": [events.json_schema(shape) for shape in events.EVENTS.values()]}
    day = {"name": "day", "in": "query", "required": True, "schema": {"type": "string", "format": "date"}}
    return {
        "/api/v1/sync/sales": {
            "post": {
                "summary": "A batch of outbox events (docs/sync-payloads.md); one answer per event, in order",
                "security": _SIGNED,
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "required": ["events"],
                        "properties": {
                            "events": {"type": "array", "minItems": 1, "maxItems": events.MAX_BATCH, "items": event}
                        },
                    }
                ),
                "responses": _responses(
                    "200",
                    {
                        "type": "object",
                        "required": ["results"],
                        "properties": {"results": {"type": "array", "items": _ANSWER}},
                    },
                    "400",
                    "422",
                ),
            }
        },
        "/api/v1/sync/scans": _signed_post(
            "Label-scan running totals per local day and product", events.SCANS, {"stored": {"type": "integer"}}
        ),
        "/api/v1/sync/status": _signed_post(
            "The showroom's own state for central's showrooms page: its e-invoices pending and refused",
            events.STATUS,
            {"stored": {"type": "boolean"}},
        ),
        "/api/v1/sync/reconcile": {
            "get": {
                "summary": "Central's count and totals of the signing showroom's sales and returns on a local day",
                "security": _SIGNED,
                "parameters": [day],
                "responses": _responses(
                    "200", {"type": "object", "required": ["day", "showroom", "sales_count"]}, "422"
                ),
            }
        },
        "/api/v1/sync/events": {
            "get": {
                "summary": "The signing showroom's own sales and returns as central received them, a page at a time "
                "(a restored showroom takes back what its backup lacks)",
                "security": _SIGNED,
                "parameters": [
                    {"name": "since", "in": "query", "required": False, "schema": {"type": "string", "pattern": "Z$"}},
                    {
                        "name": "after",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                    },
                ],
                "responses": _responses(
                    "200",
                    {
                        "type": "object",
                        "required": ["events", "next", "missing"],
                        "properties": {
                            "events": {"type": "array", "items": event},
                            "next": {"type": "string", "nullable": True},
                            "missing": {"type": "integer"},
                        },
                    },
                    "422",
                ),
            }
        },
        "/api/v1/sync/catalog": {
            "get": {
                "summary": "The master catalog's producers, products and ratings changed since a cursor",
                "security": _SIGNED,
                "parameters": [{"name": "since", "in": "query", "required": False, "schema": {"type": "string"}}],
                "responses": _responses("200", {"type": "object", "required": ["cursor", "products"]}, "422"),
            }
        },
    }


def document() -> dict:
    uuid_param = {"name": "sale_uuid", "in": "path", "required": True, "schema": {"type": "string"}}
    health = {
        "/api/v1/health": {
            "get": {"security": [], "responses": _responses("200", {"type": "object", "required": ["status"]})}
        }
    }
    if current_app.config["POS_ROLE"] == "central":
        return {
            "openapi": "3.0.3",
            "info": {"title": "OCOP central sync API", "version": "1"},
            "components": {"securitySchemes": _SIGNATURE_SCHEMES},
            "paths": health | _sync_paths(),
        }
    return {
        "openapi": "3.0.3",
        "info": {"title": "OCOP showroom POS API", "version": "1"},
        "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "session"}}},
        "security": [{"session": []}],
        "paths": health
        | {
            "/api/v1/products/lookup": {
                "get": {
                    "parameters": [{"name": "code", "in": "query", "required": True, "schema": {"type": "string"}}],
                    "responses": _responses("200", _PRODUCT, "404", "422"),
                }
            },
            "/api/v1/products/search": {
                "get": {
                    "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}],
                    "responses": _responses("200", {"type": "object", "required": ["products"]}),
                }
            },
            "/api/v1/cart/price": {
                "post": {
                    "requestBody": _json_body(
                        _object(["lines"], lines={"type": "array", "items": _LINE_IN}, discount=_DISCOUNT)
                    ),
                    "responses": _responses("200", {"type": "object", "required": ["total", "vat_total"]}, "422"),
                }
            },
            "/api/v1/sales": {
                "post": {
                    "requestBody": _json_body(
                        _object(
                            ["uuid", "lines", "payments"],
                            uuid={"type": "string", "format": "uuid"},
                            lines=_list(_LINE_IN, limits.SALE_LINES_MAX),
                            payments=_list(_PAYMENT_IN, limits.SALE_PAYMENTS_MAX),
                            discount=_DISCOUNT,
                            approval={"type": ["object", "null"]},
                        )
                    ),
                    "responses": _responses("201", _SALE, "409", "422")
                    | {
                        "200": {
                            "description": "The same sale, sent again",
                            "content": {"application/json": {"schema": _SALE}},
                        }
                    },
                }
            },
            "/api/v1/sales/{sale_uuid}": {
                "get": {"parameters": [uuid_param], "responses": _responses("200", _SALE, "404", "422")}
            },
            "/api/v1/sales/{sale_uuid}/number": {
                "post": {
                    "parameters": [uuid_param],
                    "responses": _responses("200", {"type": "object", "required": ["number"]}, "422"),
                }
            },
            "/api/v1/sales/{sale_uuid}/print": {
                "post": {
                    "parameters": [uuid_param],
                    "responses": _responses("200", {"type": "object", "required": ["status"]}, "404", "422"),
                }
            },
        },
    }


@bp.get("/api/v1/openapi.json")
@public
def openapi_json():
    return jsonify(document())
