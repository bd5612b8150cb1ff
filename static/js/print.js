// A "Print" button for print views (inline handlers are not allowed by the CSP).
document.querySelectorAll(".print-page").forEach((b) => b.addEventListener("click", () => window.print()));
