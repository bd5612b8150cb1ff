"""GS1 Digital Link resolver for our labels: HTML for people, a linkset for machines."""

import time
from urllib.parse import urlencode

from flask import current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from pos.auth.access import public
from pos.catalog.media import StoredImage
from pos.catalog.names import GROUP_LABELS, LEVEL_LABELS, PRODUCER_TYPE_LABELS, STATUS_LABELS
from pos.core.errors import InvalidBarcode, NotFound
from pos.core.i18n import current_language
from pos.labels.scan_counts import count_scan
from pos.labels.service import product_url, public_base_url
from pos.public import bp
from pos.public.service import linkset, parse_path, public_view

METHODS = ["GET", "HEAD", "OPTIONS"]
LINKSET_TYPE = "application/linkset+json"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language",
    "Access-Control-Expose-Headers": "Link",
    "Access-Control-Max-Age": "86400",
}


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


def _wants_linkset() -> bool:
    if request.args.get("linkType") in ("linkset", "all"):
        return True
    accept = request.accept_mimetypes
    return accept[LINKSET_TYPE] > 0 and accept[LINKSET_TYPE] >= accept["text/html"]


def _finish(response, status=None):
    response = make_response(response)
    if status:
        response.status_code = status
    response.headers.update(CORS)
    response.headers["Vary"] = "Accept, Accept-Language"
    return response


def _problem(status: int, error):
    """The shopper's page (or a JSON body) for a code we cannot show; `error.code` is the reason."""
    title = _("Invalid product code") if status == 400 else _("Product not found")
    if _wants_linkset():
        return _finish(jsonify({"error": error.code, "message": error.message}), status)
    return _finish(
        render_template(
            "public/error.html", title=title, message=error.message, lang=current_language(), lang_urls=_lang_urls()
        ),
        status,
    )


def _lang_urls() -> dict:
    args = request.args.to_dict(flat=False)
    urls = {}
    for code in ("vi", "en"):
        args["lang"] = [code]
        urls[code] = request.path + "?" + urlencode(args, doseq=True)
    return urls


@bp.route("/01/<code>", methods=METHODS)
@bp.route("/01/<code>/10/<lot>", methods=METHODS)
@public
def product_page(code: str, lot: str | None = None):
    if request.method == "OPTIONS":
        response = _finish(make_response("", 204))
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        return response
    try:
        resolved = parse_path(code, lot)
    except InvalidBarcode as error:
        return _problem(400, error)
    if resolved.redirect:
        target = url_for("public.product_page", code=resolved.gtin14, lot=lot)
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        return _finish(redirect(target, 301))
    lang = current_language()
    if not _wants_linkset() and request.args.get("linkType", "") in ("", "gs1:pip", "pip", "gs1:defaultLink"):
        key = (resolved.gtin14, lot, lang, request.url_root, request.query_string)
        cached = _page_cache().get(key)
        if cached and cached[0] > time.monotonic():
            _expires, html, headers, product_id, lot_code = cached
            if request.method == "GET":
                count_scan(product_id, lot_code)
            return _finish(current_app.response_class(html, headers=headers))
    try:
        view = public_view(resolved.gtin14, lot)
    except NotFound as error:
        return _problem(404, error)
    product, rating, status = view.product, view.rating, view.status
    base = public_base_url()
    anchor = product_url(product, lot, base)
    name = product.name(lang)
    shows_stars = status in ("valid", "expiring")
    if rating and shows_stars:
        rating_title = _("%(n)d-star OCOP", n=rating.stars)
    elif rating:
        rating_title = _("OCOP rating %(status)s", status=STATUS_LABELS[status])
    else:
        rating_title = _("Not OCOP rated")
    certificate_url = media_url(rating.certificate_image if rating else None)
    link_type = request.args.get("linkType", "")
    if _wants_linkset():
        body = linkset(
            anchor, anchor, name, rating_title, media_url(rating.certificate_image, external=True) if rating else None
        )
        return _finish(current_app.response_class(current_app.json.dumps(body), mimetype=LINKSET_TYPE))
    if link_type in ("gs1:certificationInfo", "certificationInfo") and certificate_url:
        return _finish(redirect(certificate_url, 307))
    if request.method == "GET":
        count_scan(product.id, view.lot.code if view.lot else "")
    response = _finish(
        render_template(
            "public/product.html",
            v=view,
            p=product,
            r=rating,
            status=status,
            name=name,
            lang=lang,
            shows_stars=shows_stars,
            rating_title=rating_title,
            anchor=anchor,
            lang_urls=_lang_urls(),
            photo=picture(product.photo),
            photo_abs=media_url(product.photo, external=True),
            certificate_url=certificate_url,
            certificate=picture(rating.certificate_image if rating else None),
            GROUP_LABELS=GROUP_LABELS,
            LEVEL_LABELS=LEVEL_LABELS,
            PRODUCER_TYPE_LABELS=PRODUCER_TYPE_LABELS,
            STATUS_LABELS=STATUS_LABELS,
        )
    )
    response.headers["Link"] = f'<{anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Content-Language"] = lang
    ttl = current_app.config["PUBLIC_PAGE_CACHE_SECONDS"]
    if ttl and link_type in ("", "gs1:pip", "pip", "gs1:defaultLink"):
        cache = _page_cache()
        if len(cache) > 2000:
            cache.clear()
        headers = {
            k: v
            for k, v in response.headers.items()
            if k in ("Content-Type", "Link", "Cache-Control", "Content-Language")
        }
        cache[(resolved.gtin14, lot, lang, request.url_root, request.query_string)] = (
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
