"""The showroom's HTTP client for central: every request signed (pos.protocol.signing), short timeouts,
and one exception for every way central can be out of reach."""

import json
from urllib.parse import urlencode, urlsplit

import requests
from flask import current_app

from pos.protocol import signing


class CentralUnavailable(Exception):
    """Central could not be reached or did not take the request; try again later."""


class CentralFault(CentralUnavailable):
    """Central was reached but failed on the request (a 500, a body too large) or answered something that
    cannot be read: what was sent may be what it cannot take, so a batch is worth narrowing down. Not
    for 502/503/504, which say central (or the way to it) is down for every request alike."""


# 502/503/504 say central (or the proxy before it) is down or busy for every request alike, whatever was sent.
DOWN_FOR_EVERYONE = {502, 503, 504}


def failed_on_content(status: int) -> bool:
    return status == 413 or (status >= 500 and status not in DOWN_FOR_EVERYONE)


class CentralClient:
    def __init__(self, base_url: str, showroom_code: str, secret: str, timeout_s: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.base_path = urlsplit(self.base_url).path
        self.showroom_code, self.secret, self.timeout_s = showroom_code, secret, timeout_s
        self.http = requests.Session()

    @classmethod
    def from_config(cls) -> "CentralClient":
        config = current_app.config
        if not config.get("CENTRAL_URL") or not config.get("SYNC_SECRET"):
            raise CentralUnavailable("sync is not configured: set CENTRAL_URL and SYNC_SECRET")
        return cls(config["CENTRAL_URL"], config["SHOWROOM_CODE"], config["SYNC_SECRET"], config["SYNC_TIMEOUT_S"])

    def _request(self, method: str, path: str, body: bytes = b"", query: dict | None = None) -> dict:
        path = f"{path}?{urlencode(query)}" if query else path
        headers = signing.signed_headers(self.showroom_code, self.secret, method, self.base_path + path, body)
        headers["Content-Type"] = "application/json"
        try:
            response = self.http.request(
                method,
                self.base_url + path,
                data=body,
                headers=headers,
                timeout=(min(3.0, self.timeout_s), self.timeout_s),
            )
        except requests.RequestException as error:
            raise CentralUnavailable(f"central unreachable: {type(error).__name__}") from None
        if response.status_code != 200:
            try:
                message = str(response.json().get("message", ""))
            except (ValueError, AttributeError):
                message = response.text[:200]
            problem = f"central answered {response.status_code}: {message}".strip()
            raise (CentralFault if failed_on_content(response.status_code) else CentralUnavailable)(problem)
        try:
            answer = response.json()
        except ValueError:
            raise CentralFault("central answered with something other than JSON") from None
        if not isinstance(answer, dict):
            raise CentralFault("central answered JSON that is not an object")
        return answer

    def send_events(self, events: list[dict]) -> list[dict]:
        body = json.dumps({"events": events}, ensure_ascii=False, separators=(",", ":")).encode()
        results = self._request("POST", "/api/v1/sync/sales", body).get("results")
        if not isinstance(results, list):
            raise CentralFault("central's answer has no results")
        return results

    def send_scans(self, days: list[dict]) -> int:
        body = json.dumps({"days": days}, ensure_ascii=False, separators=(",", ":")).encode()
        return self._request("POST", "/api/v1/sync/scans", body).get("stored", 0)

    def send_status(self, status: dict) -> bool:
        body = json.dumps(status, ensure_ascii=False, separators=(",", ":")).encode()
        return bool(self._request("POST", "/api/v1/sync/status", body).get("stored"))

    def reconcile(self, day: str) -> dict:
        return self._request("GET", "/api/v1/sync/reconcile", query={"day": day})

    def showroom_events(self, since: str | None, after: str | None) -> dict:
        """One page of this showroom's own events as central holds them (pos.central.history)."""
        query = {key: value for key, value in (("since", since), ("after", after)) if value}
        return self._request("GET", "/api/v1/sync/events", query=query or None)

    def transfers(self, after: int, account: str) -> dict:
        """This showroom's bank transfers central received after `after` (pos.central.api)."""
        return self._request("GET", "/api/v1/sync/transfers", query={"after": after, "account": account})

    def catalog(self, since: str | None) -> dict:
        return self._request("GET", "/api/v1/sync/catalog", query={"since": since} if since else None)
