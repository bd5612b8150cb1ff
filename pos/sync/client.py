"""The showroom's HTTP client for central: every request signed (pos.sync.signing), short timeouts,
and one exception for every way central can be out of reach."""
import json
from urllib.parse import urlencode, urlsplit

import requests
from flask import current_app

from pos.sync import signing


class CentralUnavailable(Exception):
    """Central could not be reached or did not take the request; try again later."""


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
        return cls(config["CENTRAL_URL"], config["SHOWROOM_CODE"], config["SYNC_SECRET"],
                   config["SYNC_TIMEOUT_S"])

    def _request(self, method: str, path: str, body: bytes = b"", query: dict | None = None) -> dict:
        path = f"{path}?{urlencode(query)}" if query else path
        headers = signing.signed_headers(self.showroom_code, self.secret, method, self.base_path + path, body)
        headers["Content-Type"] = "application/json"
        try:
            response = self.http.request(method, self.base_url + path, data=body, headers=headers,
                                         timeout=(min(3.0, self.timeout_s), self.timeout_s))
        except requests.RequestException as error:
            raise CentralUnavailable(f"central unreachable: {type(error).__name__}") from None
        if response.status_code != 200:
            try:
                message = response.json().get("message", "")
            except ValueError:
                message = response.text[:200]
            raise CentralUnavailable(f"central answered {response.status_code}: {message}".strip())
        try:
            return response.json()
        except ValueError:
            raise CentralUnavailable("central answered with something other than JSON") from None

    def send_events(self, events: list[dict]) -> list[dict]:
        body = json.dumps({"events": events}, ensure_ascii=False, separators=(",", ":")).encode()
        results = self._request("POST", "/api/v1/sync/sales", body).get("results")
        if not isinstance(results, list):
            raise CentralUnavailable("central's answer has no results")
        return results

    def send_scans(self, days: list[dict]) -> int:
        body = json.dumps({"days": days}, ensure_ascii=False, separators=(",", ":")).encode()
        return self._request("POST", "/api/v1/sync/scans", body).get("stored", 0)

    def reconcile(self, day: str) -> dict:
        return self._request("GET", "/api/v1/sync/reconcile", query={"day": day})

    def catalog(self, since: str | None) -> dict:
        return self._request("GET", "/api/v1/sync/catalog", query={"since": since} if since else None)
