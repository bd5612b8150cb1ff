"""GS1-Conformant resolver for our labels' Digital Links (/01/…), the shopper's page it sends people to
(/p/01/…) and the resolver description file (/.well-known/gs1resolver)."""

import time
from urllib.parse import quote, urlencode

from flask import current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from pos.auth.access import public
from pos.catalog.gs1 import DigitalLink, parse_link_path
from pos.catalog.media import StoredImage
from pos.core.errors import InvalidBarcode, NotFound
from pos.core.extensions import db
from pos.core.i18n import current_language
from pos.labels.scan_counts import count_scan
from pos.labels.serials import check_serial, serial_state
from pos.labels.service import public_base_url
from pos.models import Showroom
from pos.public import bp
from pos.public.service import (
    LINKSET_CONTEXT,
    LINKSET_TYPE,
    PAGE_PREFIX,
    Certification,
    anchor_url,
    certification_title,
    choose,
    current_rating,
    levels,
    link_type_name,
    linkset,
    linkset_url,
    page_url,
    product_id_for,
    public_view,
    rating_title,
    resolver_description,
)

METHODS = ["GET", "HEAD", "OPTIONS"]
WELL_KNOWN = "/.well-known/gs1resolver"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language",
    "Access-Control-Expose-Headers": "Link, Location, Content-Language",
    "Access-Control-Max-Age": "86400",
}


@bp.after_app_request
def _cors(response):
    """Every answer under the resolver's paths carries CORS headers, errors included (a 404 from routing,
    a 405, a 500)."""
    path = request.path
    if path == "/01" or path.startswith(("/01/", PAGE_PREFIX + "/01/")) or path == WELL_KNOWN:
        for name, value in CORS.items():
            response.headers.setdefault(name, value)
    return response


def media_url(filename: str | None, external: bool = False) -> str | None:
    """The catalog's media endpoint, if this build has it (it belongs to the catalog area)."""
    if not filename or "catalog.media" not in current_app.view_functions:
        return None
    return url_for("catalog.media", filename=filename, _external=external)


def picture(filename: str | None) -> dict | None:
    """An <img>'s src, srcset and size for a stored image: a phone downloads the thumbnail or the phone-width
    file, whichever its screen needs (a file stored before re-encoding has only itself)."""
    src = media_url(filename)
    if not src:
        return None
    stored = StoredImage.from_name(filename)
    if not stored.thumb:
        return {"src": src, "thumb": src}
    thumb = media_url(stored.thumb)
    return {
        "src": src,
        "thumb": thumb,
        "width": stored.width,
        "height": stored.height,
        "srcset": f"{thumb} {stored.thumb_width}w, {src} {stored.width}w",
        "thumb_width": stored.thumb_width,
        "thumb_height": stored.thumb_height,
    }


# --- request helpers -------------------------------------------------------------------------------


def _raw_path(prefix: str = "") -> str:
    """The request's path as sent, still percent-encoded (so a "/" encoded inside a lot stays in it), without
    `prefix`."""
    raw = (request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or "").split("?", 1)[0]
    if "://" in raw:  # an absolute-form request target
        raw = "/" + raw.split("://", 1)[1].partition("/")[2]
    if not raw.startswith(prefix + "/01"):
        raw = quote(request.path, safe="/")
    return raw[len(prefix) :]


def _wants_linkset(link_type: str | None) -> bool:
    """The linkset, not a redirect: for ?linkType=linkset (or the older "all"), or for a client whose Accept
    header names application/linkset+json at least as strongly as HTML (a browser's */* does not)."""
    if link_type in ("linkset", "all"):
        return True
    if link_type:
        return False
    accept = request.accept_mimetypes
    wanted = max((q for value, q in accept if value.lower() == LINKSET_TYPE), default=0)
    html = max((q for value, q in accept if value.lower() in ("text/html", "application/xhtml+xml")), default=0)
    return wanted > 0 and wanted >= html


def _forwarded_query() -> str:
    """The request's query string, passed on to where it is redirected, less the resolver's own linkType."""
    pairs = request.query_string.decode("latin-1").split("&")
    return "&".join(pair for pair in pairs if pair and not pair.startswith("linkType="))


def _with_query(url: str, query: str) -> str:
    if not query:
        return url
    url, hash_, fragment = url.partition("#")
    return f"{url}{'&' if '?' in url else '?'}{query}{hash_}{fragment}"


def _linkset_link(link: DigitalLink, base: str) -> str:
    return f'<{linkset_url(link, base)}>; rel="linkset"; type="{LINKSET_TYPE}"'


def _finish(response, status: int | None = None, link_header: str | None = None):
    response = make_response(response)
    if status:
        response.status_code = status
    response.headers["Vary"] = "Accept, Accept-Language"
    if link_header:
        response.headers["Link"] = link_header
    return response


def _problem(status: int, error, link_header: str | None = None, link_type: str | None = None):
    """The shopper's page (or a JSON body) for a code we cannot show; `error.code` is the reason."""
    if _wants_linkset(link_type):
        return _finish(jsonify({"error": error.code, "message": error.message}), status, link_header)
    title = _("Invalid product code") if status == 400 else _("Product not found")
    html = render_template(
        "public/error.html", title=title, message=error.message, lang=current_language(), lang_urls=_lang_urls()
    )
    return _finish(html, status, link_header)


def _lang_urls() -> dict:
    args = request.args.to_dict(flat=False)
    urls = {}
    for code in ("vi", "en"):
        args["lang"] = [code]
        urls[code] = request.path + "?" + urlencode(args, doseq=True)
    return urls


def _options(link_header: str | None = None):
    response = _finish(make_response("", 204), link_header=link_header)
    response.headers["Allow"] = "GET, HEAD, OPTIONS"
    return response


def _certificate_url(base: str, rating) -> str | None:
    relative = media_url(rating.certificate_image) if rating else None
    return base + relative if relative else None


# --- the resolver ----------------------------------------------------------------------------------


@bp.route("/01/<path:rest>", methods=METHODS)
@public
def resolve(rest: str):
    """A GS1 Digital Link: 307 to the requested link type or the default link (the shopper's page), the
    linkset when asked for, 404 for an unknown product or link type, 400 for a malformed link."""
    link_type = request.args.get("linkType")
    try:
        link = parse_link_path(_raw_path())
    except InvalidBarcode as error:
        return _options() if request.method == "OPTIONS" else _problem(400, error, link_type=link_type)
    base = public_base_url()
    link_header = _linkset_link(link, base)
    if request.method == "OPTIONS":
        return _options(link_header)
    if link.short_gtin:  # the GTIN-14 form is the one URI for the product
        query = request.query_string.decode("latin-1")
        return _finish(redirect(_with_query(anchor_url(link, base), query), 308), link_header=link_header)
    if _wants_linkset(link_type):
        return _linkset_answer(link, base, link_header)
    kind = link_type_name(link_type) if link_type else None
    unknown_type = NotFound("This product has no link of the type asked for.", code="unknown_link_type")
    if link_type and kind is None:
        return _problem(404, unknown_type, link_header)
    if kind in (None, "defaultLink", "pip"):
        if product_id_for(link.gtin14) is None:
            return _problem(404, _unknown_product(), link_header)
        found = levels(link, base)
    else:
        product = current_rating(link.gtin14)
        if product is None:
            return _problem(404, _unknown_product(), link_header)
        rating = product[1]
        certification = Certification("", _certificate_url(base, rating)) if rating else None
        found = levels(link, base, certification=certification)
    target = choose(found, kind, request.accept_mimetypes, request.accept_languages)
    if target is None:
        return _problem(404, unknown_type, link_header)
    return _finish(redirect(_with_query(target.href, _forwarded_query()), 307), link_header=link_header)


def _unknown_product() -> NotFound:
    return NotFound("This showroom does not sell a product with this code.", code="unknown_product")


def _linkset_answer(link: DigitalLink, base: str, link_header: str):
    try:
        view = public_view(link)
    except NotFound as error:
        return _problem(404, error, link_header, link_type="linkset")
    except InvalidBarcode as error:
        return _problem(400, error, link_header, link_type="linkset")
    rating = view.rating
    certification = (
        Certification(certification_title(rating, view.status), _certificate_url(base, rating)) if rating else None
    )
    body = linkset(levels(link, base, view.product.name(current_language()), certification), base)
    response = _finish(
        current_app.response_class(current_app.json.dumps(body), mimetype=LINKSET_TYPE), link_header=link_header
    )
    response.headers["Link"] = (
        f'{link_header}, <{LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
    )
    return response


@bp.route(WELL_KNOWN, methods=METHODS)
@public
def resolver_description_file():
    if request.method == "OPTIONS":
        return _options()
    name = db.session.scalar(select(Showroom.name).where(Showroom.code == current_app.config["SHOWROOM_CODE"]))
    return jsonify(resolver_description(public_base_url(), name or "OCOP"))


# --- the shopper's page ----------------------------------------------------------------------------


@bp.route(PAGE_PREFIX + "/01/<path:rest>", methods=["GET", "HEAD"])
@public
def product_page(rest: str):
    try:
        link = parse_link_path(_raw_path(PAGE_PREFIX))
    except InvalidBarcode as error:
        return _problem(400, error)
    base = public_base_url()
    if link.short_gtin:
        query = request.query_string.decode("latin-1")
        return _finish(redirect(_with_query(page_url(link, base), query), 308))
    lang = current_language()
    key = (link, lang, base, request.query_string)
    serial = None
    if link.serial:
        # A serial's page says where that unit stands now (a copy scanned just after the sale must read "sold"):
        # its state, one indexed read, is part of the cache key, so a page is never served for a state gone by.
        try:
            serial = serial_state(check_serial(link.serial))
        except InvalidBarcode as error:
            return _problem(400, error, _linkset_link(link, base))
        key += (serial,)
    cached = _page_cache().get(key)
    if cached and cached[0] > time.monotonic():
        _expires, html, headers, product_id, lot_code = cached
        if request.method == "GET":
            count_scan(product_id, lot_code, serial=link.serial or "")
        return _finish(current_app.response_class(html, headers=headers))
    try:
        view = public_view(link, serial=serial)
    except NotFound as error:
        return _problem(404, error, _linkset_link(link, base))
    product, rating, status = view.product, view.rating, view.status
    anchor = anchor_url(link, base)
    if request.method == "GET":
        count_scan(product.id, view.lot.code if view.lot else "", serial=link.serial or "")
    response = _finish(
        render_template(
            "public/product.html",
            v=view,
            p=product,
            r=rating,
            status=status,
            name=product.name(lang),
            lang=lang,
            shows_stars=status in ("valid", "expiring"),
            rating_title=rating_title(rating, status),
            anchor=anchor,
            lang_urls=_lang_urls(),
            photo=picture(product.photo),
            photo_abs=media_url(product.photo, external=True),
            certificate_url=media_url(rating.certificate_image if rating else None),
            certificate=picture(rating.certificate_image if rating else None),
        ),
        link_header=_linkset_link(link, base),
    )
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Content-Language"] = lang
    ttl = current_app.config["PUBLIC_PAGE_CACHE_SECONDS"]
    if ttl:
        cache = _page_cache()
        if len(cache) > 2000:
            cache.clear()
        headers = {
            k: v
            for k, v in response.headers.items()
            if k in ("Content-Type", "Link", "Cache-Control", "Content-Language")
        }
        cache[key] = (
            time.monotonic() + ttl,
            response.get_data(),
            headers,
            product.id,
            view.lot.code if view.lot else "",
        )
    return response


def _page_cache() -> dict:
    """Rendered pages for PUBLIC_PAGE_CACHE_SECONDS (default 30): a rush of shoppers scanning the same
    shelf costs one render. A rating change shows within that time."""
    return current_app.extensions.setdefault("public_page_cache", {})
