/*
 * PoC Portal: how inline editing behaves in the browser. One file, served from 'self' (the CSP
 * allows no inline script). Pages opt in with attributes, never with script of their own:
 *
 *   a[data-inline-edit]      opens a row's form (hx-get); focus then goes to the form's first field
 *   form[data-inline-form]   the row's form; Enter saves from a one-line field, Ctrl/Cmd+Enter from a
 *                            text area, Escape cancels
 *   a[data-inline-cancel]    inside the form: back to the read view (hx-get); focus returns to Edit
 *
 * The server says "saved" (HX-Trigger-After-Settle, see apps/pocs/header.py saved_response) and
 * this file shows it in #save-status. A request htmx does not swap (403, 404, 5xx) or that never
 * gets an answer is reported in #request-problem.
 */
(function () {
  "use strict";

  var SAVED_FOR_MS = 3000;
  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

  function problemText(status) {
    if (status === 0) {
      return "The portal could not be reached; your change may not have been saved. " +
        "Check your connection, then reload the page to check.";
    }
    if (status === 403) {
      return "You are not allowed to do this (your rights on this PoC may have changed). " +
        "Reload the page to see what you can do.";
    }
    if (status === 404) {
      return "This is no longer there: someone may have removed it. Reload the page.";
    }
    if (status === 413) {
      return "What you sent is too large and was not saved. Shorten it, or attach a smaller file, and try again.";
    }
    if (status >= 500) {
      return "Something went wrong on our side; your change may not have been saved. Reload the page to check.";
    }
    return "The portal refused this request (" + status + "). Reload the page and try again.";
  }

  function showProblem(status) {
    var box = document.getElementById("request-problem");
    if (!box) return;
    box.querySelector(".text").textContent = problemText(status);
    box.hidden = false;
  }

  var savedTimer = null;

  function showSaved(message) {
    var region = document.getElementById("save-status");
    if (!region) return;
    region.textContent = message || "Saved";
    region.classList.add("shown");
    clearTimeout(savedTimer);
    savedTimer = setTimeout(function () {
      region.classList.remove("shown");
      region.textContent = "";
    }, SAVED_FOR_MS);
  }

  function firstField(container) {
    var invalid = container.querySelector("[aria-invalid=true]");
    if (invalid) return invalid;
    var marked = container.querySelector("[data-autofocus]");
    if (marked) return marked;
    var fields = container.querySelectorAll(FIELDS);
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].offsetParent !== null) return fields[i];
    }
    return null;
  }

  // What each inline request is for, and the id of the element it replaces.
  var pending = new WeakMap();

  function inlineKind(elt) {
    if (elt.matches("[data-inline-edit]")) return "edit";
    if (elt.matches("[data-inline-cancel]")) return "cancel";
    if (elt.matches("form[data-inline-form]")) return "save";
    return null;
  }

  // After a swap: focus the field that opened (edit, or a refused save), else the row's Edit link.
  function placeFocus(id) {
    var row = document.getElementById(id);
    if (!row) return;
    var form = row.querySelector("form[data-inline-form]");
    var target = form ? firstField(form) : row.querySelector("[data-inline-edit]");
    if (target) target.focus();
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var target = event.detail.target;
    var kind = elt && inlineKind(elt);
    if (kind && target && target.id && event.detail.xhr) pending.set(event.detail.xhr, target.id);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail.xhr;
    var id = xhr && pending.get(xhr);
    if (id) {
      pending.delete(xhr);
      placeFocus(id);
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    showProblem(xhr ? xhr.status : 0);
    if (window.console && xhr && xhr.status >= 500) console.error("Server error", xhr.status, event.detail.pathInfo);
  });

  document.addEventListener("htmx:sendError", function () {
    showProblem(0);
  });

  document.addEventListener("saved", function (event) {
    showSaved(event.detail && event.detail.value);
  });

  document.addEventListener("keydown", function (event) {
    var form = event.target.closest && event.target.closest("form[data-inline-form]");
    if (!form) return;
    if (event.key === "Escape") {
      var cancel = form.querySelector("[data-inline-cancel]");
      if (cancel) {
        event.preventDefault();
        cancel.click();
      }
      return;
    }
    // Enter in a one-line field submits the form natively; a text area needs Ctrl or Cmd.
    if (event.key === "Enter" && event.target.tagName === "TEXTAREA" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.addEventListener("click", function (event) {
    var dismiss = event.target.closest("#request-problem [data-dismiss]");
    if (dismiss) document.getElementById("request-problem").hidden = true;
  });

  // People pickers (templates/_person_picker.html): the suggestions are buttons. Picking one fills the
  // text and the hidden id; typing again clears the id, so the server resolves what was typed. Arrow
  // keys move between the text and the suggestions, Escape closes them.
  function pickerOptions(picker) {
    return Array.prototype.slice.call(picker.querySelectorAll("[data-pick]"));
  }

  function closePicker(picker) {
    var results = picker.querySelector(".picker-results");
    if (results) results.innerHTML = "";
    picker.querySelector("[data-picker-text]").focus();
  }

  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[data-pick]");
    if (!option) return;
    var picker = option.closest("[data-picker]");
    if (!picker) return;
    picker.querySelector("[data-picker-text]").value = option.getAttribute("data-pick-label");
    picker.querySelector("[data-picker-id]").value = option.getAttribute("data-pick");
    closePicker(picker);
  });

  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("[data-picker-text]")) return;
    var picker = event.target.closest("[data-picker]");
    if (picker) picker.querySelector("[data-picker-id]").value = "";
  });

  document.addEventListener("keydown", function (event) {
    var picker = event.target.closest && event.target.closest("[data-picker]");
    if (!picker) return;
    var options = pickerOptions(picker);
    var index = options.indexOf(event.target);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options.length) return;
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      if (index === -1) {
        options[step === 1 ? 0 : options.length - 1].focus();
      } else if (index + step < 0) {
        picker.querySelector("[data-picker-text]").focus();
      } else {
        options[Math.min(index + step, options.length - 1)].focus();
      }
    } else if (event.key === "Escape" && options.length) {
      event.preventDefault();
      event.stopPropagation();
      closePicker(picker);
    }
  }, true);

  // Phone width: a table with column headers stacks its rows (app.css, table.stacks). Each cell is
  // labelled by its column's header, unless the template labelled it already (data-label); tables
  // marked data-no-stack keep their columns. Runs on load and on every piece htmx swaps in.
  function labelTables(root) {
    var tables = (root.querySelectorAll ? root.querySelectorAll("main table") : []);
    Array.prototype.forEach.call(tables, function (table) {
      if (table.hasAttribute("data-no-stack") || !table.tHead) return;
      var headRow = table.tHead.rows[table.tHead.rows.length - 1];
      if (!headRow) return;
      var labels = Array.prototype.map.call(headRow.cells, function (cell) { return cell.textContent.trim(); });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          Array.prototype.forEach.call(row.cells, function (cell, index) {
            if (cell.tagName === "TD" && !cell.hasAttribute("data-label") && labels[index]) {
              cell.setAttribute("data-label", labels[index]);
            }
          });
        });
      });
      table.classList.add("stacks");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelTables(document); });
  document.addEventListener("htmx:load", function (event) { labelTables(event.target.closest("main") || event.target); });
})();
