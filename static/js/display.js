// The customer display: asks the server every few hundred milliseconds what its paired till shows (a short poll:
// nothing is held open on the server), and draws it. A lost connection, a restarted server or a reload are met
// by asking again; after a while without an answer it says it is reconnecting.
(function () {
  "use strict";
  const root = document.getElementById("display");
  if (!root) return;
  const { $, api } = window.PosApi;
  const POLL_MS = Number(root.dataset.pollMs) || 300, MAX_WAIT_MS = 3000;
  const grouped = (n) => Number(n).toLocaleString("vi-VN");
  const vnd = (n) => grouped(n) + "\u00a0₫";
  let version = "", failures = 0, codeAsked = 0;

  async function tick() {
    let wait = POLL_MS;
    try {
      const response = await fetch(root.dataset.stateUrl + "?v=" + encodeURIComponent(version),
                                   { cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.status !== 204) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        await apply(await response.json());
      }
      failures = 0;
      $("d-offline").hidden = true;
    } catch (e) {
      failures += 1;
      if (failures >= 3) $("d-offline").hidden = false;
      wait = Math.min(POLL_MS * 2 ** Math.min(failures, 3), MAX_WAIT_MS);
    }
    setTimeout(tick, wait);
  }

  async function apply(view) {
    if (!view.paired) {
      version = "";
      if (view.code) { showCode(view.code); return; }
      if (Date.now() - codeAsked < 2000) return;  // asked a moment ago: not once per poll
      codeAsked = Date.now();
      const asked = await api("POST", root.dataset.codeUrl);
      if (asked.status === 400) { location.reload(); return; }  // the page's CSRF token ran out: start afresh
      if (!asked.ok) throw new Error("HTTP " + asked.status);
      if (asked.data.code) showCode(asked.data.code);
      return;
    }
    version = view.version;
    show(view);
    root.dataset.shownAt = Date.now();  // when this version reached the screen (the journey test compares it)
  }

  function screen(phase) {
    root.dataset.phase = phase;
    ["idle", "waiting", "cart", "qr", "paid"].forEach((name) => { $("d-" + name).hidden = name !== phase; });
    $("d-total-row").hidden = !(phase === "cart" || phase === "qr");
  }

  function showCode(code) {
    $("d-code").textContent = code.slice(0, 3) + " " + code.slice(3);
    screen("waiting");
  }

  function show(view) {
    $("d-total").textContent = vnd(view.total || 0);
    if (view.phase === "cart" && view.lines.length) {
      drawLines(view.lines);
      screen("cart");
    } else if (view.phase === "vietqr" && view.qr) {
      if ($("d-qr-image").getAttribute("src") !== view.qr.image) $("d-qr-image").src = view.qr.image;
      $("d-qr-amount").textContent = vnd(view.qr.amount);
      $("d-qr-number").textContent = view.qr.number;
      screen("qr");
    } else if (view.phase === "paid" && view.paid) {
      $("d-paid-amount").textContent = vnd(view.paid.amount);
      $("d-paid-number").textContent = view.paid.number;
      screen("paid");
    } else {
      screen("idle");
    }
  }

  function drawLines(lines) {
    const body = $("d-lines"), label = body.dataset.starsLabel;
    body.innerHTML = "";
    lines.forEach((line) => {
      const row = document.createElement("tr");
      row.innerHTML = `<td><strong class="d-line-name"></strong> <span class="d-line-stars" role="img"></span>
        <span class="en d-line-en" lang="en"></span></td><td class="num d-qty"></td><td class="num"></td><td class="num"></td>`;
      row.querySelector(".d-line-name").textContent = line.name;
      const stars = row.querySelector(".d-line-stars");
      if (line.stars) { stars.textContent = "★".repeat(line.stars); stars.setAttribute("aria-label", `${line.stars} ${label}`); }
      else stars.remove();
      const english = row.querySelector(".d-line-en");
      if (line.name_en && line.name_en !== line.name) english.textContent = line.name_en; else english.remove();
      const cells = row.querySelectorAll("td");
      cells[1].textContent = line.quantity;
      cells[2].textContent = vnd(line.unit_price);
      cells[3].textContent = vnd(line.amount);
      body.appendChild(row);
    });
    const last = body.lastElementChild;  // the line just scanned stays in sight on a long cart
    if (last) last.scrollIntoView({ block: "nearest" });
  }

  tick();
})();
