// Closing a shift: the counted cash and its difference from the expected, as the notes are counted.
// The server computes the Z report from the same counts; this is only what the cashier sees while counting.
(function () {
  "use strict";
  const summary = document.getElementById("count-summary");
  if (!summary) return;
  const inputs = document.querySelectorAll("#close-shift input[data-note]");
  const expected = Number(summary.dataset.expected);
  const fmt = (n) => {
    const digits = Math.abs(n).toLocaleString(summary.dataset.lang === "en" ? "en-US" : "vi-VN");
    const sign = n < 0 ? "-" : "";
    return `${sign}${digits}\u00a0₫`;  // 1.234.567 ₫ or 1,234,567 ₫ (pos/core/formatting.py)
  };
  function update() {
    let counted = 0;
    inputs.forEach((input) => { counted += Number(input.dataset.note) * (parseInt(input.value, 10) || 0); });
    const difference = counted - expected;
    document.getElementById("counted").textContent = fmt(counted);
    document.getElementById("difference").textContent = fmt(difference);
    document.getElementById("difference").parentElement.className =
      "key-figure" + (difference < 0 ? " short" : difference > 0 ? " over" : "");
  }
  inputs.forEach((input) => input.addEventListener("input", update));
  update();
})();
