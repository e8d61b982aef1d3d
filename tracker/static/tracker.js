// Progressive enhancements; every page works without them.
"use strict";

// A refused form's error summary takes focus, so that it is read out and seen on a phone.
function focusErrorSummary() {
  const summary = document.querySelector("[data-error-summary]");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }
}

// Evidence rows are added and removed in place; the server accepts any row numbers.
function renumber(row, number) {
  const pattern = /^(evidence-)\d+(-|$)/;
  row.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach((element) => {
    for (const attribute of ["id", "name", "for"]) {
      const value = element.getAttribute(attribute);
      if (value && pattern.test(value)) {
        element.setAttribute(attribute, value.replace(pattern, `$1${number}$2`));
      }
    }
    const described = element.getAttribute("aria-describedby");
    if (described) {
      element.setAttribute(
        "aria-describedby",
        described.split(" ").map((id) => id.replace(pattern, `$1${number}$2`)).join(" "),
      );
    }
  });
  if (pattern.test(row.id)) {
    row.id = row.id.replace(pattern, `$1${number}$2`);
  }
}

function blank(row) {
  row.querySelectorAll(".error").forEach((element) => element.remove());
  row.querySelectorAll(".has-error").forEach((element) => element.classList.remove("has-error"));
  row.querySelectorAll("[aria-invalid]").forEach((element) => element.removeAttribute("aria-invalid"));
  row.querySelectorAll("input, textarea, select").forEach((element) => {
    if (element.type === "radio") {
      // The first choice is the form's default (a stance: "Supports").
      element.checked = element === row.querySelector(`input[name="${element.name}"]`);
    } else if (element.tagName === "SELECT") {
      // The last grade is the form's default: "cannot be judged".
      element.value = element.options[element.options.length - 1].value;
    } else if (element.type !== "hidden" || element.name.endsWith("-evidence_id")) {
      element.value = "";
    }
  });
}

function setUpEvidenceRows(container) {
  const form = container.closest("form");
  const addButton = form.querySelector("[data-add-row]");
  const heading = form.querySelector("#evidence");
  const max = Number(container.dataset.maxRows || 20);

  function rows() {
    return Array.from(container.querySelectorAll(":scope > .evidence-row"));
  }

  function removeButton(row) {
    let button = row.querySelector("[data-remove-row]");
    if (!button) {
      const paragraph = document.createElement("p");
      button = document.createElement("button");
      button.type = "submit";
      button.className = "secondary";
      button.setAttribute("data-remove-row", "");
      button.setAttribute("formnovalidate", "");
      paragraph.appendChild(button);
      row.appendChild(paragraph);
    }
    return button;
  }

  function refresh() {
    const all = rows();
    all.forEach((row, index) => {
      row.querySelector(":scope > legend").textContent = `Evidence ${index + 1}`;
      const button = removeButton(row);
      button.textContent = `Remove evidence ${index + 1}`;
      button.closest("p").hidden = all.length < 2;
    });
    if (addButton) {
      addButton.closest("p").hidden = all.length >= max;
    }
  }

  function nextNumber() {
    return 1 + Math.max(-1, ...rows().map((row) => Number(row.id.split("-")[1])));
  }

  if (addButton) {
    addButton.addEventListener("click", (event) => {
      event.preventDefault();
      const all = rows();
      if (all.length >= max) {
        return;
      }
      const row = all[all.length - 1].cloneNode(true);
      renumber(row, nextNumber());
      blank(row);
      container.appendChild(row);
      refresh();
      row.querySelector("input:not([type=hidden]), textarea, select").focus();
    });
  }

  container.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-row]");
    if (!button) {
      return;
    }
    event.preventDefault();
    if (rows().length < 2) {
      return;
    }
    button.closest(".evidence-row").remove();
    refresh();
    heading.focus();
  });
  refresh();
}

// A filter form sent by GET leaves its empty fields out of the address, so that a bookmark
// carries only the filters in use.
function dropEmptyParameters(form) {
  form.addEventListener("formdata", (event) => {
    for (const [name, value] of Array.from(event.formData.entries())) {
      if (value === "") {
        event.formData.delete(name);
      }
    }
  });
}

// "Copy embed code": the snippet goes to the clipboard; without script it can be selected.
function setUpCopyButton(button) {
  button.addEventListener("click", async () => {
    const code = document.getElementById(button.dataset.copy);
    code.select();
    try {
      await navigator.clipboard.writeText(code.value);
      button.textContent = button.dataset.copied || "Copied";
    } catch {
      // Selected, for the reader to copy by hand.
    }
  });
}

// The header's menus close as a menu would: on a click elsewhere, another menu opening, or
// Escape, which returns focus to the menu's name.
function setUpMenus(menus) {
  document.addEventListener("click", (event) => {
    menus.forEach((menu) => {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });
  menus.forEach((menu) => {
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  focusErrorSummary();
  document.querySelectorAll("[data-evidence-rows]").forEach(setUpEvidenceRows);
  document.querySelectorAll("form[method=get]").forEach(dropEmptyParameters);
  document.querySelectorAll("button[data-copy]").forEach(setUpCopyButton);
  setUpMenus(document.querySelectorAll("details.menu"));
});
