// A form with data-confirm asks before it is sent: closing a shift, settling with a producer, deleting a draft.
(function () {
  "use strict";
  document.addEventListener("submit", (event) => {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
})();
