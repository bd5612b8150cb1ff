// The till's VietQR dialog: shows the sale's QR, then waits for the bank's word on the transfer (the showroom
// takes it from central while this polls) and turns to "Đã nhận 455.000 ₫ — TH-20261202-0001"; the cashier takes
// it with one key (or it completes by itself, VIETQR_AUTO_COMPLETE). Without the bank's word the cashier still
// confirms by hand, as before, and that is audited. Events on document for whoever mirrors the till (the
// customer display): vietqr:shown {uuid, number, amount, image_url, payload} (the display draws the same QR, which
// is the provider's when payOS made it), vietqr:received {uuid, number, amount, received}, vietqr:closed {uuid,
// taken}.
window.TillVietQR = (function () {
  "use strict";
  const POLL_MS = 500;
  const $ = (id) => document.getElementById(id);
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key]);
  const announce = (name, detail) => document.dispatchEvent(new CustomEvent("vietqr:" + name, { detail }));

  // Opens the dialog for `amount` of the sale; resolves to what the cashier took, or null (cancelled):
  // {amount, by: "bank"|"cashier", reference, transfers: [ids], number, complete}.
  async function wait({ uuid, amount, used, api, fmt }) {
    const dialog = $("vietqr-dialog"), msg = dialog.dataset, status = $("vietqr-status"), take = $("vietqr-take");
    const shown = await api("POST", `/api/v1/sales/${uuid}/vietqr`, { amount });
    if (!shown.ok) return { error: shown.data.message || "?" };
    const qr = shown.data;
    $("vietqr-image").src = qr.image_url;
    $("vietqr-amount").textContent = fmt(amount) + " · " + qr.number;
    status.textContent = qr.fallback ? msg.msgFallback : (qr.waits ? msg.msgWaiting : "");
    status.className = "vietqr-status";
    take.classList.add("hidden");
    $("vietqr-unmatched").classList.add("hidden");
    dialog.showModal();
    $("vietqr-confirm").focus();
    announce("shown", { uuid, number: qr.number, amount, image_url: qr.image_url, payload: qr.payload });

    let open = true, timer = null, seen = null;
    return new Promise((resolve) => {
      const finish = (taken) => {
        if (!open) return;
        open = false; clearTimeout(timer); dialog.close();
        announce("closed", { uuid, taken: !!taken });
        if (taken) {
          api("POST", `/api/v1/sales/${uuid}/vietqr/confirm`,
              { amount: taken.amount, by: taken.by, excess_returned: taken.excess || 0 });
        }
        resolve(taken);
      };
      const byBank = (complete) => {
        const part = Math.min(seen.received, amount);
        finish({ amount: part, by: "bank", number: qr.number, complete, excess: Math.max(seen.received - amount, 0),
                 reference: seen.transfers.map((t) => t.reference).join(", ").slice(0, 80),
                 transfers: seen.transfers.map((t) => t.id) });
      };
      $("vietqr-confirm").onclick = () => finish({ amount, by: "cashier", number: qr.number, reference: qr.number,
                                                    transfers: [], complete: false });
      $("vietqr-cancel").onclick = () => finish(null);
      dialog.oncancel = (e) => { e.preventDefault(); finish(null); };  // Esc
      take.onclick = () => byBank(true);

      async function poll() {
        if (!open) return;
        let answer = null;
        try { answer = await api("GET", `/api/v1/sales/${uuid}/vietqr`); } catch (e) { answer = null; }
        if (!open) return;
        if (answer && answer.ok) show(answer.data);
        timer = setTimeout(poll, POLL_MS);
      }
      function show(data) {
        const transfers = data.transfers.filter((t) => !(used || []).includes(t.id));
        const received = transfers.reduce((s, t) => s + t.amount, 0);
        showUnmatched(data.unmatched || []);
        if (!received) {
          if (data.link === "unreachable") { status.textContent = msg.msgUnreachable; status.className = "vietqr-status error-text"; }
          else if (qr.waits && !qr.fallback) { status.textContent = msg.msgWaiting; status.className = "vietqr-status"; }
          return;
        }
        const first = !seen || seen.received !== received;
        seen = { received, transfers };
        const values = { amount: fmt(received), number: qr.number, due: fmt(Math.max(amount - received, 0)),
                         excess: fmt(received - amount) };
        status.textContent = fill(received >= amount ? msg.msgReceived : msg.msgShort, values) +
                             (received > amount ? " " + fill(msg.msgExcess, values) : "");
        status.className = "vietqr-status ok received";
        take.textContent = received >= amount ? msg.msgTake : msg.msgTakePart;
        take.classList.remove("hidden");
        if (first) {
          take.focus();
          announce("received", { uuid, number: qr.number, amount, received });
          if (received >= amount && dialog.dataset.autoComplete === "1") byBank(true);
        }
      }
      function showUnmatched(unmatched) {
        const box = $("vietqr-unmatched"), list = $("vietqr-unmatched-list");
        box.classList.toggle("hidden", !unmatched.length);
        const key = unmatched.map((t) => t.id).join(",");
        if (list.dataset.key === key) return;  // keep the buttons the cashier may be about to press
        list.dataset.key = key;
        list.innerHTML = "";
        unmatched.forEach((t) => {
          const item = document.createElement("li"), attach = document.createElement("button");
          item.textContent = `${fmt(t.amount)} · ${t.content} · ${t.reference} `;
          attach.type = "button";
          attach.textContent = msg.msgAttach;
          attach.addEventListener("click", async () => {
            attach.disabled = true;
            await api("POST", `/api/v1/bank-transfers/${t.id}/attach`, { sale_uuid: uuid });
          });
          item.appendChild(attach);
          list.appendChild(item);
        });
      }
      if (qr.waits) poll();
    });
  }
  return { wait };
})();
