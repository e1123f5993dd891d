// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Take keyboard and screen-reader users straight to a form's list of problems.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  // After a one-tap change in the diary, the button pressed is gone: give the keyboard's
  // focus (and a screen reader's attention) to what the new entry says happened.
  document.body.addEventListener("htmx:afterSettle", function () {
    var said = document.querySelector("[data-focus-after-swap]");
    if (said) {
      said.removeAttribute("data-focus-after-swap");
      said.focus();
    }
  });

  // Escape closes the phone menu and gives focus back to its button, as a menu should.
  document.addEventListener("keydown", function (event) {
    var menu = document.querySelector(".nav-menu[open]");
    if (event.key === "Escape" && menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
});
