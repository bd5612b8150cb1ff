// What the till's and the customer display's scripts share: an element by its id, and the JSON API called with
// the page's CSRF token, answering {ok, status, data} (data is {} when the body is empty or not JSON).
window.PosApi = (function () {
  "use strict";
  async function api(method, url, body) {
    const headers = { "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content,
                      Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";  // an empty body is not JSON
    const response = await fetch(url, {
      method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = {};
    try { data = await response.json(); } catch (e) { /* an empty or HTML body */ }
    return { ok: response.ok, status: response.status, data };
  }
  return { $: (id) => document.getElementById(id), api };
})();
