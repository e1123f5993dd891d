// The "Print" button on printable pages (CSP allows no inline script).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print-page]")) window.print();
});
