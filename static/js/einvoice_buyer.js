// The buyer's details for the e-invoice at the till (templates/einvoice/_buyer_form.html): what till.js sends
// with the sale, the server's refusals shown under their field, and the invoice's number once issued.
(function () {
  const box = document.getElementById("buyer-details");
  const inputs = box ? [...box.querySelectorAll("[data-buyer]")] : [];
  const errors = () => inputs.forEach((input) => {
    input.removeAttribute("aria-invalid");
    document.getElementById(`${input.id}-error`).textContent = "";
  });
  window.tillBuyer = {
    get() {  // {name, tax_code, …} with what was typed, or undefined when nothing was
      const buyer = {};
      inputs.forEach((input) => { if (input.value.trim()) buyer[input.dataset.buyer] = input.value.trim(); });
      return Object.keys(buyer).length ? buyer : undefined;
    },
    clear() { inputs.forEach((input) => { input.value = ""; }); errors(); if (box) box.open = false; },
    set(buyer) {  // a parked cart's buyer back in the form (till.js parks them with the cart)
      this.clear();
      inputs.forEach((input) => { input.value = (buyer && buyer[input.dataset.buyer]) || ""; });
      if (box && buyer && Object.keys(buyer).length) box.open = true;
    },
    showErrors(fields) {  // {"buyer.tax_code": "…"}: marked under the field (the till's message says why)
      errors();
      let first = null;
      Object.entries(fields || {}).forEach(([key, problem]) => {
        const input = document.getElementById(`buyer-${key.replace("buyer.", "")}`);
        if (!key.startsWith("buyer.") || !input) return;
        input.setAttribute("aria-invalid", "true");
        document.getElementById(`${input.id}-error`).textContent = box.dataset.invalid || problem;
        first = first || input;
      });
      if (first) { box.open = true; first.focus(); }
    },
    done(sale, element) {  // the invoice issued with the sale, on the finished sale's dialog
      const invoice = sale.einvoice;
      element.textContent = invoice ? `${element.dataset.label} ${invoice.symbol} · ${invoice.number} · ${invoice.authority_code}` : "";
    },
  };
})();
