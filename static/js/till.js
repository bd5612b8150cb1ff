// The till: keyboard-first, the scan field always ready. Prices and totals come from the server;
// the cart lives in localStorage so a reload (or a crash) loses nothing.
(function () {
  "use strict";
  const root = document.getElementById("till");
  if (!root) return;
  const { $, api } = window.PosApi;
  const lang = root.dataset.lang;
  const STORE = "till.cart", PARKED = "till.parked", RETRY_MS = 3000;
  const grouped = (n) => Number(n).toLocaleString(lang === "en" ? "en-US" : "vi-VN");  // 1.234.567 or 1,234,567
  const fmt = (n) => grouped(n) + "\u00a0₫";  // never split from its figure, after it in both languages
  const newCart = () => ({ uuid: crypto.randomUUID(), lines: [], discount: null, payments: [], number: null });
  let cart = load(STORE) || newCart();
  let priced = null, method = "cash", approval = null, busy = false, justScanned = null;

  function load(key) { try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; } }
  function save() { localStorage.setItem(STORE, JSON.stringify(cart)); }
  function focusScan() { if (!document.querySelector("dialog[open]")) $("scan").focus(); }

  function message(text, kind) {
    $("scan-action").classList.add("hidden");
    const box = $("scan-message");
    box.textContent = text || "";
    box.className = "scan-message " + (kind || "");
    if (kind === "error") {            // the visual "beep"
      root.classList.remove("beep"); void root.offsetWidth; root.classList.add("beep");
    }
  }

  // --- scanning and searching -------------------------------------------------------------
  $("scan-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("scan"), code = input.value.trim();
    input.value = "";
    clearResults();
    if (!code) return;
    const found = await api("GET", "/api/v1/products/lookup?code=" + encodeURIComponent(code));
    if (found.ok && found.data.lot_message) { refuseLot(found.data); return; }
    if (found.ok) { addProduct(found.data); return; }
    if (/[^\d]/.test(code) && !/^https?:/.test(code)) {
      const search = await api("GET", "/api/v1/products/search?q=" + encodeURIComponent(code));
      if (search.ok && search.data.products.length) { showResults(search.data.products); return; }
    }
    message(found.data.message || (root.dataset.msgUnknown + ": " + code), "error");
  });

  function showResults(products) {
    const list = $("search-results");
    list.innerHTML = "";
    products.forEach((p, i) => {
      const item = document.createElement("li");
      item.tabIndex = 0; item.setAttribute("role", "option");
      item.textContent = `${p.name} · ${p.sku} · ${fmt(p.price)}` + (p.stars ? " " + "★".repeat(p.stars) : "");
      item.addEventListener("click", () => { addProduct(p); clearResults(); focusScan(); });
      item.addEventListener("keydown", (e) => {
        if (e.key === "Enter") { addProduct(p); clearResults(); focusScan(); }
        if (e.key === "ArrowDown" && item.nextSibling) item.nextSibling.focus();
        if (e.key === "ArrowUp") (item.previousSibling || $("scan")).focus();
        if (e.key === "Escape") { clearResults(); focusScan(); }
      });
      list.appendChild(item);
      if (i === 0) item.focus();
    });
  }
  function clearResults() { $("search-results").innerHTML = ""; }

  // A label naming an expired or written-off lot: the pack is not sold. The cashier reads why in red and sets
  // it aside; a manager writes the lot off from here (a cashier asks one to approve).
  function refuseLot(p) {
    message(p.lot_message, "error");
    const action = $("scan-action"), button = $("write-off-lot");
    action.classList.toggle("hidden", !p.lot_can_write_off);
    if (!p.lot_can_write_off) return;
    button.textContent = `${action.dataset.label} ${p.lot} (${p.lot_on_hand})`;
    button.onclick = async () => {
      const body = { product_id: p.id, lot: p.lot };
      let result = await api("POST", "/api/v1/lots/write-off", body);
      if (result.data.error === "approval_required") {
        const approval = await askApproval(result.data.message);
        if (!approval) return;
        result = await api("POST", "/api/v1/lots/write-off", { ...body, approval });
      }
      action.classList.add("hidden");
      message(result.data.message || "?", result.ok ? "ok" : "error");
      focusScan();
    };
  }

  // A serialized unit (its label carries a serial) is a line of its own, one unit; the same label twice is a copy.
  function addProduct(p) {
    if (p.serial && cart.lines.some((l) => l.serial === p.serial)) {
      message(`${p.name}: ${root.dataset.msgSerialTwice}`, "error");
      return;
    }
    const same = !p.serial && cart.lines.find((l) => !l.serial && l.product_id === p.id && (l.lot || null) === (p.lot || null));
    if (same) same.quantity += 1;
    else cart.lines.push({ product_id: p.id, name: p.name, name_en: p.name_en, sku: p.sku, stars: p.stars, unit_price: p.price,
                           quantity: 1, discount: null, lot: p.lot || null, serial: p.serial || null,
                           sellable: p.sellable_as_ocop, rating: p.rating_status_label });
    message(p.sellable_as_ocop ? `+1 ${p.name}` : `${p.name}: ${root.dataset.msgUnrated} (${p.rating_status_label})`,
            p.sellable_as_ocop ? "ok" : "warn");
    justScanned = same || cart.lines[cart.lines.length - 1];
    changed();
  }

  // --- the cart ---------------------------------------------------------------------------
  function lineBody(l) {  // a line as the server reads it (a serial only on a serialized unit's line)
    const body = { product_id: l.product_id, quantity: l.quantity, discount: l.discount, lot: l.lot };
    if (l.serial) body.serial = l.serial;
    return body;
  }

  async function changed() {  // payments taken stay: a confirmed card or transfer is money received
    save();
    await reprice();
  }

  async function reprice() {
    if (!cart.lines.length) { priced = null; render(); return; }
    const result = await api("POST", "/api/v1/cart/price", {
      lines: cart.lines.map(lineBody),
      discount: cart.discount,
    });
    if (result.ok) priced = result.data;
    else message(result.data.message || "?", "error");
    render();
    const scanned = cart.lines.indexOf(justScanned), p = priced && priced.lines[scanned];
    justScanned = null;
    if (result.ok && p && p.available < cart.lines[scanned].quantity) {  // short: said as it is scanned
      message(`${cart.lines[scanned].name}: ${root.dataset.msgShortLong.replace("{left}", p.available)}`, "warn");
    }
  }

  function render() {
    const body = $("cart-lines");
    body.innerHTML = "";
    if (!cart.lines.length) {
      body.innerHTML = `<tr class="empty"><td colspan="6">${$("cart-lines").dataset.empty || "—"}</td></tr>`;
    }
    cart.lines.forEach((line, index) => {
      const p = priced && priced.lines[index];
      const row = document.createElement("tr");
      if (!line.sellable) row.className = "unrated";
      row.innerHTML = `<td><strong></strong><br><small class="muted"></small></td>
        <td class="num"><input class="qty" type="number" min="1" max="999" aria-labelledby="cart-qty-head line-name-${index}"></td>
        <td class="num">${fmt(line.unit_price)}</td>
        <td class="num"><button type="button" class="link line-discount">${p && p.discount ? "-" + fmt(p.discount) : "%"}</button></td>
        <td class="num amount">${p ? fmt(p.amount) : ""}</td>
        <td><button type="button" class="link remove">✕</button></td>`;
      row.querySelector("strong").textContent = line.name;
      // screen-reader labels in the page's language (data-msg-* on #till); the quantity's is what the eye reads
      row.querySelector("strong").id = `line-name-${index}`;
      row.querySelector(".remove").setAttribute("aria-label", `${root.dataset.msgRemove} · ${line.name}`);
      row.querySelector("small").textContent = `${line.sku}${line.lot ? ` · ${root.dataset.msgLot} ${line.lot}` : ""}` +
        `${line.serial ? ` · ${root.dataset.msgSerial} ${line.serial}` : ""} ` +
        (line.stars ? "★".repeat(line.stars) : "");
      if (p && p.available < line.quantity) {  // short on the shelf (or in the scanned lot): said when scanned
        row.classList.add("short");
        const flag = document.createElement("span");
        flag.className = "badge badge-short";
        flag.textContent = `${root.dataset.msgShort} ${p.available}`;
        row.querySelector("small").after(" ", flag);
      }
      if (!line.sellable) {  // stays in sight after the scan message is gone: the sale will ask for a manager
        const flag = document.createElement("span");
        flag.className = "badge badge-expired";
        flag.textContent = `OCOP: ${line.rating || "—"}`;
        flag.title = root.dataset.msgUnrated;
        row.querySelector("small").after(" ", flag);
      }
      const qty = row.querySelector(".qty");
      qty.value = line.quantity;
      qty.disabled = Boolean(line.serial);  // one labelled unit
      qty.addEventListener("change", () => {
        const n = parseInt(qty.value, 10);
        if (n >= 1 && n <= 999) { line.quantity = n; changed(); } else qty.value = line.quantity;
      });
      qty.addEventListener("keydown", (e) => { if (e.key === "Enter") { qty.blur(); focusScan(); } });
      row.querySelector(".remove").addEventListener("click", () => { cart.lines.splice(index, 1); changed(); focusScan(); });
      row.querySelector(".line-discount").addEventListener("click", () => askDiscount(line.name, line.discount,
        (d) => applyDiscount(() => line.discount, (value) => { line.discount = value; }, d)));
      body.appendChild(row);
    });
    const t = priced || { subtotal: 0, discount_total: 0, total: 0, vat_by_rate: {} };
    $("t-subtotal").textContent = fmt(t.subtotal);
    // Line discounts and the order discount each have their row; the order discount's row edits it, and its
    // button says what it is.
    const lineDiscount = t.line_discount || 0, orderDiscount = t.order_discount || 0;
    $("t-discount-row").classList.toggle("hidden", !lineDiscount);
    $("t-discount").textContent = "-" + fmt(lineDiscount);
    $("t-order-discount-row").classList.toggle("hidden", !cart.discount);
    $("t-order-discount").textContent = "-" + fmt(orderDiscount);
    const d = cart.discount, button = $("order-discount");
    const shown = d ? (d.kind === "percent" ? `${d.value} %` : fmt(d.value)) : "";
    $("t-order-discount-edit").textContent = button.dataset.label + (d && d.kind === "percent" ? ` (${shown})` : "");
    button.textContent = button.dataset.label + (d ? `: ${shown}` : "") + " (Alt+D)";
    $("t-total").textContent = fmt(t.total);
    $("t-vat").innerHTML = "";
    Object.entries(t.vat_by_rate).forEach(([rate, vat]) => {
      const div = document.createElement("div");
      div.className = "row-between muted";
      div.innerHTML = `<span>VAT ${rate}%</span><span class="num">${fmt(vat)}</span>`;
      $("t-vat").appendChild(div);
    });
    const list = $("payment-list");
    list.innerHTML = "";
    cart.payments.forEach((p, i) => {
      const li = document.createElement("li");
      li.textContent = `${p.label}: ${fmt(p.amount)}${p.reference ? " (" + p.reference + ")" : ""} `;
      const x = document.createElement("button");
      x.type = "button"; x.className = "link"; x.textContent = "✕";
      x.addEventListener("click", () => { cart.payments.splice(i, 1); save(); render(); });
      li.appendChild(x);
      list.appendChild(li);
    });
    const cash = cashDue();
    $("t-rounding-row").classList.toggle("hidden", !cash.rounding);
    $("t-cash-row").classList.toggle("hidden", !cash.rounding);
    $("t-rounding").textContent = (cash.rounding > 0 ? "+" : "") + fmt(cash.rounding);
    $("t-cash").textContent = fmt(t.total + cash.rounding);
    const due = cash.due;
    $("t-due").textContent = fmt(due);
    $("t-change").textContent = fmt(cash.change);
    $("pay-amount").placeholder = grouped(due);
    $("complete").disabled = !cart.lines.length || due > 0 || busy;
    $("parked-count").textContent = (load(PARKED) || []).length;
    showCustomer();
  }

  // The customer display (static/js/till-display.js sends it on) shows what the shopper may see, nothing else:
  // the lines, the total, the QR while the VietQR dialog is open (its vietqr:shown and vietqr:closed events),
  // and the thanks once paid: the sale recorded, or the bank's word that the transfer covers what was asked.
  let customerQr = null, customerPaid = null;
  function showCustomer(phase, extra) {
    const lines = cart.lines.map((l, i) => ({ name: l.name, name_en: l.name_en || "", quantity: l.quantity,
      unit_price: l.unit_price, amount: priced && priced.lines[i] ? priced.lines[i].amount : l.unit_price * l.quantity,
      stars: l.stars || null }));
    const paid = customerPaid && customerPaid.uuid === cart.uuid ? customerPaid.paid : null;
    const state = { phase: phase || (paid ? "paid" : customerQr ? "vietqr" : lines.length ? "cart" : "idle"), lines,
                    total: priced ? priced.total : 0, qr: customerQr, paid, ...extra };
    document.dispatchEvent(new CustomEvent("till:display", { detail: state }));
  }
  document.addEventListener("vietqr:shown", (e) => {
    const d = e.detail;
    customerQr = { amount: d.amount, number: d.number, ...(d.payload ? { payload: d.payload } : {}) };
    showCustomer();
  });
  document.addEventListener("vietqr:received", (e) => {
    const d = e.detail;
    if (d.received >= d.amount && d.amount >= dueNow()) {  // this transfer settles the sale: thank the shopper now
      customerPaid = { uuid: cart.uuid, paid: { amount: d.received, number: d.number } };
    }
    showCustomer();
  });
  document.addEventListener("vietqr:closed", (e) => {
    customerQr = null;
    if (!e.detail.taken) customerPaid = null;
    showCustomer();
  });

  // --- discounts and approvals ----------------------------------------------------------
  function askDiscount(title, current, apply) {
    const dialog = $("discount-dialog"), form = $("discount-form");
    $("discount-title").textContent = title;
    form.reset();
    if (current) { form.kind.value = current.kind; form.value.value = current.value; }
    form.onsubmit = (e) => {
      e.preventDefault();
      const value = parseInt(form.value.value.replace(/\D/g, ""), 10) || 0;
      apply(value ? { kind: form.kind.value, value } : null);
      dialog.close(); focusScan();
    };
    $("discount-cancel").onclick = () => { dialog.close(); focusScan(); };
    dialog.showModal();
  }
  function editOrderDiscount() {
    askDiscount($("order-discount").dataset.label, cart.discount,
                (d) => applyDiscount(() => cart.discount, (value) => { cart.discount = value; }, d));
  }
  $("order-discount").addEventListener("click", editOrderDiscount);
  $("t-order-discount-edit").addEventListener("click", editOrderDiscount);

  // A discount over the limit is approved by a manager as it is applied, not at payment; without the approval it
  // is taken back. The approval is kept (in memory only) for the sale, which the server checks again.
  async function applyDiscount(get, set, discount) {
    const before = get();
    set(discount);
    await changed();
    if (await approveDiscount()) return;
    set(before);
    await changed();
  }

  async function approveDiscount() {
    if (!priced || priced.discount_percent <= Number(root.dataset.discountLimit)) return true;
    const body = { lines: cart.lines.map(lineBody), discount: cart.discount };
    let result = await api("POST", "/api/v1/cart/approval", body);
    if (result.ok) return true;
    if (result.data.error === "approval_required") {
      const given = await askApproval(result.data.message);
      if (!given) return false;
      result = await api("POST", "/api/v1/cart/approval", { ...body, approval: given });
      if (result.ok) { approval = given; return true; }
    }
    message(result.data.message || "?", "error");
    return false;
  }

  function askApproval(reason) {
    return new Promise((resolve) => {
      const dialog = $("approval-dialog"), form = $("approval-form");
      $("approval-reason").textContent = reason;
      form.reset();
      form.onsubmit = (e) => {
        e.preventDefault();
        dialog.close();
        resolve({ username: form.username.value, password: form.password.value });
      };
      $("approval-cancel").onclick = () => { dialog.close(); resolve(null); };
      dialog.oncancel = () => resolve(null);  // Esc
      dialog.showModal();
    });
  }

  // --- payments -------------------------------------------------------------------------
  document.querySelectorAll(".method").forEach((button) => button.addEventListener("click", () => selectMethod(button.dataset.method)));
  function selectMethod(m) {
    method = m;
    document.querySelectorAll(".method").forEach((b) => b.classList.toggle("active", b.dataset.method === m));
    $("pay-reference-row").classList.toggle("hidden", m !== "card");
    render();  // cash is rounded, card and VietQR exact: what is due follows the method
    $("pay-amount").focus();
  }
  document.querySelectorAll(".note").forEach((button) => button.addEventListener("click", () => {
    $("pay-amount").value = button.dataset.note === "exact" ? dueNow() : button.dataset.note;
    addPayment();
  }));
  function dueNow() { return cashDue().due; }

  // What is still due, as the server will settle it: card and VietQR pay exactly; once cash pays (or is the
  // chosen method), the part left for cash is rounded half up to the showroom's CASH_ROUNDING.
  function cashDue() {
    const total = priced ? priced.total : 0, step = priced ? priced.cash_rounding_step : 0;
    const nonCash = cart.payments.filter((p) => p.method !== "cash").reduce((s, p) => s + p.amount, 0);
    const cashPaid = cart.payments.filter((p) => p.method === "cash").reduce((s, p) => s + p.amount, 0);
    const exact = Math.max(total - nonCash, 0);
    const rounded = step ? Math.floor((exact + step / 2) / step) * step : exact;
    const rounding = (cashPaid > 0 || method === "cash") && nonCash <= total ? rounded - exact : 0;
    return { rounding, due: Math.max(exact + rounding - cashPaid, 0),
             change: nonCash > total ? 0 : Math.max(cashPaid - exact - rounding, 0) };
  }
  $("pay-amount").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addPayment(); } });
  $("pay-reference").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); addPayment(); } });
  $("add-payment").addEventListener("click", addPayment);

  async function addPayment() {
    if (!priced) return;
    const typed = parseInt(($("pay-amount").value || "").replace(/\D/g, ""), 10);
    const amount = typed || dueNow();
    if (!amount) { $("complete").focus(); return; }
    if (method === "card" && !$("pay-reference").value.trim()) { $("pay-reference").focus(); return; }
    const qr = method === "vietqr" ? await confirmVietQR(Math.min(amount, dueNow())) : null;
    if (method === "vietqr" && !qr) return;
    const label = document.querySelector(`.method[data-method="${method}"]`).textContent.replace(/\s*\(Alt.*$/, "");
    cart.payments.push({ method, amount: method === "cash" ? amount : Math.min(qr ? qr.amount : amount, dueNow()), label,
                         reference: method === "card" ? $("pay-reference").value.trim() : (qr ? qr.reference : ""),
                         transfers: qr ? qr.transfers : undefined });
    $("pay-amount").value = ""; $("pay-reference").value = "";
    save(); render();
    if (qr && qr.complete && !dueNow()) { complete(); return; }  // the bank confirmed it all: one key
    if (!dueNow()) $("complete").focus(); else $("pay-amount").focus();
  }

  async function confirmVietQR(amount) {  // the QR and the wait for the bank's word: static/js/vietqr.js
    const used = cart.payments.flatMap((p) => p.transfers || []);
    const taken = await window.TillVietQR.wait({ uuid: cart.uuid, amount, used, api, fmt });
    if (taken && taken.error) { message(taken.error, "error"); return null; }
    if (taken && taken.number && cart.number !== taken.number) { cart.number = taken.number; save(); }
    return taken;
  }

  // --- completing the sale --------------------------------------------------------------
  $("complete").addEventListener("click", complete);
  async function complete() {
    if (busy || $("complete").disabled) return;
    busy = true; render();
    const body = {
      uuid: cart.uuid, discount: cart.discount, approval,
      lines: cart.lines.map(lineBody),
      payments: cart.payments.map((p) => ({ method: p.method, amount: p.amount, reference: p.reference })),
      buyer: window.tillBuyer.get(),  // for the e-invoice, only when the buyer asked (einvoice_buyer.js)
    };
    let result;
    try { result = await api("POST", "/api/v1/sales", body); }
    catch (e) {  // the server is unreachable: the same sale (same uuid, so never twice) is sent again shortly
      busy = false; render(); message(root.dataset.msgOffline, "error");
      const sent = cart.uuid;
      setTimeout(() => { if (cart.uuid === sent) complete(); }, RETRY_MS);
      return;
    }
    busy = false; render();  // complete() again, after an approval, must find the button enabled
    if (result.data.error === "approval_required") {
      approval = await askApproval(result.data.message);
      if (approval) return complete();
      return;
    }
    if (!result.ok) { message(result.data.message || "?", "error"); window.tillBuyer.showErrors(result.data.fields); return; }
    finished(result.data);
  }

  async function finished(sale) {
    const cash = sale.payments.find((p) => p.method === "cash");
    $("done-title").textContent = `${root.dataset.msgPaid} · ${sale.number} · ${fmt(sale.paid)}`;
    $("done-change").textContent = cash && cash.change ? `${$("t-change").previousElementSibling.textContent}: ${fmt(cash.change)}` : "";
    $("done-receipt").src = `/sales/${sale.number}/receipt.png`;
    showCustomer("paid", { paid: { amount: sale.paid, number: sale.number } });  // first: the thanks, then the empty cart
    window.tillBuyer.done(sale, $("done-einvoice")); window.tillBuyer.clear();
    cart = newCart(); priced = null; approval = null; save(); render(); message("", "");
    $("done-dialog").showModal();
    $("done-next").focus();
    printReceipt(sale, false);
    $("done-reprint").onclick = () => printReceipt(sale, true);
  }

  async function printReceipt(sale, reprint) {
    const result = await api("POST", `/api/v1/sales/${sale.uuid}/print`, { reprint });
    const status = $("done-print");
    status.textContent = result.ok ? (result.data.preview ? root.dataset.msgPreview : root.dataset.msgPrinted)
                                   : root.dataset.msgPrintFailed;
    status.className = result.ok ? "ok" : "error-text";
    if (!result.ok) {  // the printer's own words, for whoever fixes it
      const detail = document.createElement("small");
      detail.className = "muted print-detail";
      detail.textContent = result.data.error || result.data.message || "";
      status.append(document.createElement("br"), detail);
    }
  }
  $("done-next").addEventListener("click", () => { $("done-dialog").close(); focusScan(); });
  $("done-dialog").addEventListener("close", focusScan);

  // --- park, resume, void ---------------------------------------------------------------
  function park(parked) {  // the cart in progress goes to the parked list, with its time and total to tell it by,
    // and the buyer's details typed for its invoice (they come back with it)
    if (cart.lines.length) parked.push({ ...cart, buyer: window.tillBuyer.get(), parkedAt: Date.now(),
                                         total: priced ? priced.total : null });
    localStorage.setItem(PARKED, JSON.stringify(parked));
  }
  $("park").addEventListener("click", () => {
    if (!cart.lines.length) return;
    park(load(PARKED) || []);
    cart = newCart(); approval = null; window.tillBuyer.clear(); changed(); message("", ""); focusScan();
  });
  $("resume").addEventListener("click", () => {
    const parked = load(PARKED) || [], list = $("parked-list"), dialog = $("parked-dialog");
    if (!parked.length) return;
    list.innerHTML = "";
    parked.forEach((saved, i) => {
      const item = document.createElement("li"), pick = document.createElement("button");
      const at = saved.parkedAt ? new Date(saved.parkedAt).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit",
                                                                                    timeZone: root.dataset.timezone }) : "";
      const count = saved.lines.reduce((n, l) => n + l.quantity, 0);
      pick.type = "button";
      pick.textContent = `${at} · ${count} ${list.dataset.items}${saved.total != null ? " · " + fmt(saved.total) : ""} — ` +
        saved.lines.map((l) => l.name).join(", ");
      pick.addEventListener("click", () => {
        parked.splice(i, 1);
        park(parked);  // a cart in progress is parked in its place, not lost
        window.tillBuyer.set(saved.buyer);
        cart = saved; delete cart.parkedAt; delete cart.total; delete cart.buyer; approval = null;
        dialog.close(); changed(); message("", "");
      });
      item.appendChild(pick);
      list.appendChild(item);
    });
    dialog.showModal();
    list.querySelector("button").focus();
  });
  $("parked-cancel").addEventListener("click", () => $("parked-dialog").close());
  $("parked-dialog").addEventListener("close", focusScan);
  $("void").addEventListener("click", () => {
    if (!cart.lines.length && !cart.payments.length) return;
    $("void-dialog").returnValue = "";
    $("void-dialog").showModal();
  });
  $("void-dialog").addEventListener("close", () => {
    if ($("void-dialog").returnValue === "void") { cart = newCart(); approval = null; changed(); message("", ""); }
    focusScan();
  });

  // Keep the scan field ready: any click on empty space or a finished dialog returns focus there.
  const shortcuts = { "1": () => selectMethod("cash"), "2": () => selectMethod("card"),
    "3": () => { if (root.dataset.vietqr === "1") selectMethod("vietqr"); },
    "d": () => $("order-discount").click(), "k": () => $("park").click(), "r": () => $("resume").click(),
    "p": () => complete() };
  document.addEventListener("keydown", (e) => {
    if (e.altKey && shortcuts[e.key.toLowerCase()] && !document.querySelector("dialog[open]")) {
      e.preventDefault(); shortcuts[e.key.toLowerCase()](); return;
    }
    if (e.key === "Escape") { clearResults(); focusScan(); }
    if (e.key === "F2") { e.preventDefault(); focusScan(); }
    if (e.key === "F4") { e.preventDefault(); $("pay-amount").focus(); }
  });
  root.addEventListener("click", (e) => { if (e.target === root || e.target.classList.contains("till-left")) focusScan(); });
  root.dataset.ready = "1";  // listeners are in place: scans are handled from now on
  reprice().then(focusScan);
})();
