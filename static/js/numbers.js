// Money and quantity fields: what is typed replaces what was there. A click or a Tab into a numeric field
// selects its content, so typing 2000000 over a "0" (or over last time's figure) stores 2.000.000, never
// 20.000.000. Loaded on every page (base.html), so forms drawn later by a page's own script get it too.
(function () {
  "use strict";
  const NUMERIC = 'input[inputmode="numeric"], input[inputmode="decimal"], input[type="number"]';
  let justFocused = null;
  document.addEventListener("focusin", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches(NUMERIC) || input.readOnly) return;
    justFocused = input;
    try { input.select(); } catch (e) { /* a type=number field in an old browser */ }
  });
  // The mouse button's release after the focusing click would put the caret back where it was clicked.
  document.addEventListener("mouseup", (event) => {
    if (event.target === justFocused) event.preventDefault();
    justFocused = null;
  }, true);
})();
