// Small behaviours htmx leaves to us. No inline script anywhere, so the CSP stays strict.
(function () {
  "use strict";

  // After a swap, move focus somewhere sensible: an error summary, a confirmation, or the
  // next field to fill in. Elements ask for it with data-autofocus; each gets focus once.
  function focusRequested() {
    var target = document.querySelector("[data-autofocus]:not([data-autofocused])");
    if (target) {
      target.setAttribute("data-autofocused", "");
      target.focus();
    }
  }

  document.addEventListener("htmx:afterSettle", focusRequested);
  document.addEventListener("DOMContentLoaded", focusRequested);

  // A control that puts something away (Cancel on the observation being edited) names where focus
  // goes back to once its answer has settled: data-focus-after="#edit-observation-12".
  // (The feed's poll runs meanwhile: only the answer to that control's own request moves focus.)
  var focusAfter = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.hasAttribute && elt.hasAttribute("data-focus-after")) {
      focusAfter = { elt: elt, selector: elt.getAttribute("data-focus-after") };
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    if (!focusAfter || !config || config.elt !== focusAfter.elt) {
      return;
    }
    var target = document.querySelector(focusAfter.selector);
    focusAfter = null;
    if (target) {
      target.focus();
    }
  });

  // A control whose answer swaps nothing (hx-swap="none": "Mark as highlight" in a long feed),
  // and the words beside it of its last failure, if any.
  function quietControl(elt) {
    var control = elt && elt.closest ? elt.closest("[hx-swap=none]") : null;
    var beside = control ? control.nextElementSibling : null;
    return { control: control, beside: beside && beside.matches(".inline-error") ? beside : null };
  }

  // An htmx request that failed outright (a 500, a 403, no network) must not fail silently. The
  // page's box (announced) is at the top; a quiet control also gets the words beside it, where
  // the teacher looks.
  function showError(message, elt) {
    var box = document.getElementById("htmx-error");
    if (!box) {
      return;
    }
    box.textContent = message;
    box.hidden = false;
    var quiet = quietControl(elt);
    if (quiet.control) {
      var beside = quiet.beside;
      if (!beside) {
        beside = document.createElement("span");
        beside.className = "field-error inline-error";
        quiet.control.insertAdjacentElement("afterend", beside);
      }
      beside.textContent = message;
    }
  }

  // The observation form and feed say for themselves what became of a save or a poll
  // (observation-outbox.js): a note that could not go waits on the tablet, nothing is lost.
  function reportsItself(event) {
    var elt = event.detail.elt;
    return elt && elt.matches && (elt.matches("form[data-outbox], #observation-form form") || elt.id === "observation-feed");
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    // (A stale token on a new note: the outbox renews it and sends the note again.)
    var outbox = event.detail.elt && event.detail.elt.matches && event.detail.elt.matches("form[data-outbox]");
    if (reportsItself(event) && (status >= 500 || (status === 400 && outbox))) {
      return;
    }
    if (status === 403) {
      showError("You cannot do that with your role in this partnership.", event.detail.elt);
    } else if (status === 404) {
      showError("That record no longer exists. Reload the page to see the latest.", event.detail.elt);
    } else if (status === 413) {
      showError("That is too large to save. Please shorten it.", event.detail.elt);
    } else {
      showError("Something went wrong (" + status + "). Nothing was saved; please try again.", event.detail.elt);
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (reportsItself(event)) {
      return;
    }
    showError("The workspace could not be reached. Check your connection; nothing was saved.", event.detail.elt);
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = document.getElementById("htmx-error");
    if (box) {
      box.hidden = true;
    }
    var beside = quietControl(event.detail.elt).beside;
    if (beside) {
      beside.remove(); // a new try: its own answer says what became of it
    }
  });

  // Enter in the link picker's search box searches; it must not submit the whole form.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Enter" && target.matches && target.matches(".link-picker input[type=search]")) {
      event.preventDefault();
      if (window.htmx) {
        window.htmx.trigger(target, "search");
      }
    }
  });

  // A form whose work takes seconds (making a report final lays its pages out) says so while it
  // runs: its button reads data-busy, the page's status region announces it, a second press waits.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-busy]")) {
      return;
    }
    if (form.hasAttribute("data-busy-active")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-busy-active", "");
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.setAttribute("data-idle-text", button.textContent);
      button.textContent = form.getAttribute("data-busy");
      button.setAttribute("aria-disabled", "true");
    }
    var status = document.querySelector("[data-busy-status]");
    if (status) {
      status.textContent = form.getAttribute("data-busy");
    }
  });

  // Back to a page kept in the browser's cache: its forms are idle again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-busy-active]").forEach(function (form) {
      form.removeAttribute("data-busy-active");
      var button = form.querySelector("button[data-idle-text]");
      if (button) {
        button.textContent = button.getAttribute("data-idle-text");
        button.removeAttribute("aria-disabled");
      }
    });
  });

  // A date box holding what is not a date (31 February, or the year cleared) has an empty value,
  // so the form would send no date and the server would save the record without one. Such a form
  // is not sent: the field says what is wrong, and has focus. (A capturing listener runs before
  // htmx sends the form.)
  var BAD_DATE = "Enter a real date, for example 27/03/2027, or clear the date completely.";

  function dateError(input) {
    var id = input.id + "-date-error";
    var message = document.getElementById(id);
    if (!input.validity.badInput) {
      if (message) {
        message.remove();
        input.removeAttribute("aria-invalid");
      }
      return false;
    }
    if (!message) {
      message = document.createElement("p");
      message.id = id;
      message.className = "field-error";
      message.setAttribute("role", "alert");
      message.textContent = BAD_DATE;
      input.insertAdjacentElement("beforebegin", message);
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(id) < 0) {
        described.push(id);
        input.setAttribute("aria-describedby", described.join(" "));
      }
    }
    input.setAttribute("aria-invalid", "true");
    return true;
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var bad = Array.from(form.querySelectorAll ? form.querySelectorAll("input[type=date]") : []).filter(dateError);
      if (bad.length) {
        event.preventDefault();
        event.stopImmediatePropagation();
        bad[0].focus();
      }
    },
    true
  );
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type=date]")) {
      dateError(event.target);
    }
  });

  // A table wider than its box scrolls sideways inside it (.table-scroll). Say so above it and fade
  // the edge with more beyond it, so that nobody takes the part in view for the whole table.
  // The hint is the box's description while it shows, so a screen reader says it on reaching the box.
  var hints = 0;
  function markWide(box) {
    var more = box.scrollWidth - box.clientWidth > 1;
    var hint = box.previousElementSibling;
    if (!hint || !hint.classList.contains("scroll-hint")) {
      if (!more) {
        return;
      }
      hints += 1;
      hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.id = "scroll-hint-" + hints;
      hint.textContent = "This table is wider than the screen: scroll it sideways to see the rest.";
      box.parentNode.insertBefore(hint, box);
    }
    hint.hidden = !more;
    if (more) {
      box.setAttribute("aria-describedby", hint.id);
    } else {
      box.removeAttribute("aria-describedby");
    }
    box.toggleAttribute("data-more-left", more && box.scrollLeft > 1);
    box.toggleAttribute("data-more-right", more && box.scrollLeft + box.clientWidth < box.scrollWidth - 1);
  }
  // Watched: the box (the window or the page around it resized) and its table (rows brought in,
  // cells changed), so the line and the fades follow either.
  var resized = window.ResizeObserver
    ? new ResizeObserver(function (entries) {
        entries.forEach(function (entry) {
          markWide(entry.target.closest(".table-scroll"));
        });
      })
    : null;
  function findWide(root) {
    var boxes = root.querySelectorAll ? Array.from(root.querySelectorAll(".table-scroll")) : [];
    if (root.matches && root.matches(".table-scroll")) {
      boxes.push(root);
    }
    boxes.forEach(function (box) {
      markWide(box);
      if (resized) {
        resized.observe(box);
        var table = box.querySelector("table");
        if (table) {
          resized.observe(table);
        }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    findWide(document);
  });
  document.addEventListener("htmx:load", function (event) {
    findWide(event.target);
  });
  document.addEventListener(
    "scroll",
    function (event) {
      if (event.target.matches && event.target.matches(".table-scroll")) {
        markWide(event.target);
      }
    },
    true
  );

  // Writing not saved yet, in a form marked data-unsaved-warning (an interim report's sections):
  // leaving the page asks first, and a download of what the form saves (a form marked
  // data-saved-version-of with the writing form's id) says first that the changes are not in it;
  // pressed again, it downloads the version saved. A form holds unsaved writing where a box
  // differs from what the server sent, or where the server sent it back refused (data-unsaved).
  function unsavedWriting(form) {
    return !!form && (form.hasAttribute("data-unsaved") || Array.from(form.elements).some(function (el) {
      return (el.tagName === "TEXTAREA" || el.type === "text") && el.value !== el.defaultValue;
    }));
  }
  // When a form was sent on purpose (its own save without htmx, a download): the browser asks
  // beforeunload about that one navigation (even one that turns out a download), not the next.
  var leavingOnPurpose = 0;
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var writing = form.getAttribute && document.getElementById(form.getAttribute("data-saved-version-of") || "");
      if (writing && unsavedWriting(writing) && !form.hasAttribute("data-warned")) {
        event.preventDefault();
        event.stopImmediatePropagation();
        form.setAttribute("data-warned", "");
        var warning = document.querySelector("[data-unsaved-download]");
        // Emptied, then written a moment later: an alert already showing is said again.
        warning.textContent = "";
        warning.hidden = false;
        setTimeout(function () {
          warning.textContent = "The download has the report as last saved: your changes since then are not in it. " +
            "Save the report first to include them, or press the download button again for the saved version.";
        }, 100);
      }
    },
    true
  );
  // Only a submission that does leave the page (a download, a save without htmx): htmx stops the
  // submission of the forms it sends itself, and an htmx save leaves the page only where its answer
  // says so (a sign-in after the session ended), which must ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!event.defaultPrevented && form.hasAttribute &&
        (form.hasAttribute("data-unsaved-warning") || form.hasAttribute("data-saved-version-of"))) {
      leavingOnPurpose = Date.now();
    }
  });
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-unsaved-warning")) {
      // "Saved: version 2." beside Save is no longer the whole truth.
      var said = form.querySelector(".save-status");
      var now = unsavedWriting(form) ? "Changes not saved yet." : "";
      if (said && said.textContent !== now && (now || said.textContent === "Changes not saved yet.")) {
        said.textContent = now;
      }
      // Changed again: the next download is asked about again; changed back: nothing to warn of.
      document.querySelectorAll('[data-saved-version-of="' + form.id + '"]').forEach(function (download) {
        download.removeAttribute("data-warned");
      });
      var warning = document.querySelector("[data-unsaved-download]");
      if (warning && !unsavedWriting(form)) {
        warning.hidden = true;
      }
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var warning = document.querySelector("[data-unsaved-download]");
    if (warning && !Array.from(document.querySelectorAll("form[data-unsaved-warning]")).some(unsavedWriting)) {
      warning.hidden = true; // saved: the downloads hold everything again
      document.querySelectorAll("[data-saved-version-of]").forEach(function (download) {
        download.removeAttribute("data-warned");
      });
    }
  });
  window.addEventListener("beforeunload", function (event) {
    var onPurpose = Date.now() - leavingOnPurpose < 1000;
    leavingOnPurpose = 0;
    var unsaved = Array.from(document.querySelectorAll("form[data-unsaved-warning]")).some(unsavedWriting);
    if (unsaved && !onPurpose) {
      event.preventDefault();
      event.returnValue = ""; // the browser asks in its own words; some still look for this
    }
  });

  // Invitation links: select the whole link when the field is focused, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });
})();
