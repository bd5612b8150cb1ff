// The till's side of the customer display: pairs it (the cashier types the code the display shows) and sends it
// what till.js says the shopper may see, each time that changes. The pairing is this browser's, kept beside its
// cart in localStorage; a display whose pairing ended is forgotten here.
(function () {
  "use strict";
  const root = document.getElementById("till"), dialog = document.getElementById("display-dialog");
  if (!root || !dialog) return;
  const { $, api } = window.PosApi;
  const KEY = "till.display", PAID_SHOWN_MS = 20000, RETRY_MS = 1000;
  let pairing = load(), latest = null, queued = "", sent = "", sending = false, heldIdle = null, paidUntil = 0;
  let retry = null;

  function load() { try { return JSON.parse(localStorage.getItem(KEY)); } catch (e) { return null; } }
  function keep(value) {
    pairing = value;
    if (value) localStorage.setItem(KEY, JSON.stringify(value)); else localStorage.removeItem(KEY);
    $("display-open").textContent = value ? $("display-open").dataset.paired : dialog.querySelector("h2").textContent;
  }

  // --- following the cart ------------------------------------------------------------------------------
  document.addEventListener("till:display", (event) => {
    const state = event.detail;
    // The thanks stays a while after the sale, though the till is already at the next (empty) cart.
    if (state.phase === "paid") paidUntil = Date.now() + PAID_SHOWN_MS;
    else if (state.phase === "idle" && Date.now() < paidUntil) {
      heldIdle = state;
      setTimeout(() => { if (heldIdle) { paidUntil = 0; const idle = heldIdle; heldIdle = null; queue(idle); } },
                 paidUntil - Date.now());
      return;
    } else { paidUntil = 0; heldIdle = null; }
    queue(state);
  });

  function queue(state) {
    const json = JSON.stringify(state);
    if (json !== queued) { queued = json; root.dataset.displayChangedAt = Date.now(); }  // when it changed here
    latest = state;
    send();
  }

  async function send() {
    if (!pairing || sending || !latest) return;
    const body = JSON.stringify(latest);
    if (body === sent) return;
    sending = true;
    const state = latest;
    let result;
    try { result = await api("POST", "/api/v1/display/show", { till_token: pairing.token, state }); }
    catch (e) { result = null; }
    sending = false;
    if (result && result.status === 404) { keep(null); sent = ""; return; }  // the pairing was ended
    if (!result || result.status >= 500) {  // offline, or the server restarting: the latest, again shortly
      clearTimeout(retry); retry = setTimeout(send, RETRY_MS); return;
    }
    sent = body;  // shown, or refused as it is (signed out, out of bounds): not sent again
    if (latest !== state) send();
  }

  // --- pairing -------------------------------------------------------------------------------------------
  async function refresh() {
    const status = $("display-status"), list = $("display-list");
    status.textContent = pairing ? "" : dialog.dataset.none;
    const result = await api("GET", "/api/v1/display/pairings");
    list.innerHTML = "";
    if (!result.ok) return;
    if (pairing && !result.data.displays.some((d) => d.id === pairing.id)) { keep(null); status.textContent = dialog.dataset.gone; }
    result.data.displays.forEach((d) => {
      const item = document.createElement("li"), letGo = document.createElement("button");
      item.textContent = `#${d.id} · ${dialog.dataset.pairedAt} ${d.paired_at}` +
        (pairing && pairing.id === d.id ? ` · ${dialog.dataset.thisTill} ` : " ");
      letGo.type = "button"; letGo.className = "link"; letGo.textContent = dialog.dataset.letGo;
      letGo.addEventListener("click", async () => {
        await api("POST", "/api/v1/display/revoke", { display_id: d.id });
        if (pairing && pairing.id === d.id) keep(null);
        refresh();
      });
      item.appendChild(letGo);
      list.appendChild(item);
    });
  }

  $("display-open").addEventListener("click", () => {
    $("display-error").textContent = "";
    $("display-pair-form").reset();
    dialog.showModal();
    $("display-code").focus();
    refresh();
  });
  $("display-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => $("scan").focus());
  $("display-pair-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await api("POST", "/api/v1/display/pair",
                             { code: $("display-code").value, till_token: pairing ? pairing.token : null });
    if (!result.ok) { $("display-error").textContent = result.data.message || "?"; $("display-code").select(); return; }
    keep({ token: result.data.till_token, id: result.data.display_id });
    sent = "";
    dialog.close();
    send();  // the cart as it is now, at once
  });

  keep(pairing);
  send();
})();
