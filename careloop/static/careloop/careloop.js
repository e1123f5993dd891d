// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Take keyboard and screen-reader users straight to a form's list of problems.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  // Escape closes the phone menu and gives focus back to its button, as a menu should.
  document.addEventListener("keydown", function (event) {
    var menu = document.querySelector(".nav-menu[open]");
    if (event.key === "Escape" && menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
});
