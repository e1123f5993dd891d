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

  // Type-ahead pickers (web/pickers.py): the ARIA combobox pattern. The text box asks
  // the server for matches through htmx; here the keyboard and the mouse choose one.
  function pickerParts(element) {
    var picker = element.closest("[data-picker]");
    if (!picker) { return null; }
    return {
      picker: picker,
      box: picker.querySelector("[data-picker-input]"),
      value: picker.querySelector("[data-picker-value]"),
      list: picker.querySelector("[role=listbox]")
    };
  }
  function pickerOptions(parts) {
    return Array.prototype.slice.call(
      parts.list.querySelectorAll("[role=option]:not([aria-disabled=true])"));
  }
  function openPicker(parts, open) {
    parts.list.hidden = !open;
    parts.box.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) { parts.box.removeAttribute("aria-activedescendant"); }
  }
  function highlight(parts, option) {
    pickerOptions(parts).forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    parts.box.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }
  function choose(parts, option) {
    if (parts.picker.hasAttribute("data-picker-multi")) {
      addChosen(parts, option);
      return;
    }
    parts.value.value = option.getAttribute("data-value");
    parts.value.removeAttribute("data-picker-unsent");
    parts.box.value = option.getAttribute("data-label");
    openPicker(parts, false);
    parts.box.focus();
    // A dependent field (the client's referrals) listens for this.
    parts.value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function addChosen(parts, option) {
    var value = option.getAttribute("data-value");
    var chosen = parts.picker.querySelector(".picker-chosen");
    var name = parts.picker.getAttribute("data-picker-name");
    var already = Array.prototype.some.call(
      chosen.querySelectorAll("input"), function (box) { return box.value === value; });
    if (!already) {
      var item = document.createElement("li");
      var label = document.createElement("label");
      var box = document.createElement("input");
      label.className = "picker-offer";
      box.type = "checkbox";
      box.name = name;
      box.value = value;
      box.checked = true;
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + option.getAttribute("data-label")));
      item.appendChild(label);
      chosen.appendChild(item);
    }
    parts.box.value = "";
    openPicker(parts, false);
    parts.box.focus();
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var parts = pickerParts(event.target);
    if (parts && event.target === parts.list) {
      openPicker(parts, parts.list.children.length > 0 && document.activeElement === parts.box);
    }
  });
  document.addEventListener("input", function (event) {
    var parts = event.target.matches("[data-picker-input]") && pickerParts(event.target);
    if (!parts || !parts.value) { return; }
    // A list's filters refresh the list on a change; half a name is not a filter yet.
    // There the list keeps the old choice until another is picked or the box is emptied.
    var waits = parts.picker.closest("form[role=search]") && parts.box.value.trim() !== "";
    if (parts.value.value) {
      // The text no longer names the chosen row: nothing is chosen until one is picked.
      parts.value.value = "";
      if (waits) {
        parts.value.setAttribute("data-picker-unsent", "");
      } else {
        parts.value.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } else if (!waits && parts.value.hasAttribute("data-picker-unsent")) {
      parts.value.removeAttribute("data-picker-unsent");
      parts.value.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  document.addEventListener("keydown", function (event) {
    var parts = event.target.matches("[data-picker-input]") && pickerParts(event.target);
    if (!parts) { return; }
    var options = pickerOptions(parts);
    var current = options.indexOf(document.getElementById(
      parts.box.getAttribute("aria-activedescendant") || ""));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) { return; }
      event.preventDefault();
      openPicker(parts, true);
      var step = event.key === "ArrowDown" ? 1 : -1;
      var next = current < 0 ? (step > 0 ? 0 : options.length - 1)
        : (current + step + options.length) % options.length;
      highlight(parts, options[next]);
    } else if (event.key === "Enter" && !parts.list.hidden && current >= 0) {
      event.preventDefault();  // choose, don't send the form
      choose(parts, options[current]);
    } else if (event.key === "Escape" && !parts.list.hidden) {
      event.preventDefault();
      event.stopPropagation();
      openPicker(parts, false);
    }
  });
  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest("[data-picker] [role=option]");
    if (option) { event.preventDefault(); }  // keep the focus in the text box
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-picker] [role=option]:not([aria-disabled=true])");
    if (option) { choose(pickerParts(option), option); }
  });
  document.addEventListener("focusout", function (event) {
    var parts = event.target.matches("[data-picker-input]") && pickerParts(event.target);
    if (parts && !parts.picker.contains(event.relatedTarget)) {
      // A tap on a phone takes the focus before its click arrives: close the list only
      // after that click has had its chance to choose.
      window.setTimeout(function () {
        if (!parts.picker.contains(document.activeElement)) { openPicker(parts, false); }
      }, 250);
    }
  });
});
