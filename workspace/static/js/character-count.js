// GOV.UK's character count: a text area with data-maxlength says how many characters are left as
// one types, and says it to a screen reader too (politely, once typing pauses). Nothing is cut:
// text over the limit is counted as "too many" and the server answers it with a message.
(function () {
  "use strict";

  var SPOKEN_DELAY = 1000;

  function plural(count) {
    return count === 1 ? "character" : "characters";
  }

  function words(remaining) {
    if (remaining < 0) {
      return "You have " + (-remaining).toLocaleString("en-GB") + " " + plural(-remaining) + " too many";
    }
    return "You have " + remaining.toLocaleString("en-GB") + " " + plural(remaining) + " remaining";
  }

  // The visible message (beside the box, read with it through aria-describedby) and a visually
  // hidden live status: the visible one changes at every key, the spoken one after a pause.
  function parts(area) {
    var info = document.getElementById(area.id + "-info");
    if (!info) {
      info = document.createElement("p");
      info.id = area.id + "-info";
      info.className = "hint character-count__message";
      area.insertAdjacentElement("afterend", info);
      var described = (area.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      described.push(info.id);
      area.setAttribute("aria-describedby", described.join(" "));
    }
    var status = document.getElementById(area.id + "-count-status");
    if (!status) {
      status = document.createElement("p");
      status.id = area.id + "-count-status";
      status.className = "visually-hidden";
      status.setAttribute("aria-live", "polite");
      info.insertAdjacentElement("afterend", status);
    }
    return { info: info, status: status };
  }

  function update(area, speak) {
    var limit = parseInt(area.getAttribute("data-maxlength"), 10);
    if (!(limit > 0) || !area.id) {
      return;
    }
    var found = parts(area);
    // Characters as the server counts them (Python's len): code points, so an emoji is one, not
    // two UTF-16 units; a line break is one, as the server makes every CR LF a line feed.
    var remaining = limit - Array.from(area.value).length;
    found.info.textContent = words(remaining);
    found.info.classList.toggle("character-count__message--over", remaining < 0);
    if (speak) {
      window.clearTimeout(area.characterCountTimer);
      area.characterCountTimer = window.setTimeout(function () {
        found.status.textContent = words(remaining);
      }, SPOKEN_DELAY);
    }
  }

  function start(root) {
    var areas = (root || document).querySelectorAll("textarea[data-maxlength]");
    for (var i = 0; i < areas.length; i += 1) {
      update(areas[i], false);
    }
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-maxlength]")) {
      update(event.target, true);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { start(document); });
  // Forms that htmx swaps in (an observation to edit, a form answered with its errors).
  document.addEventListener("htmx:load", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-maxlength]")) {
      update(event.target, false);
    }
    start(event.target);
  });
})();
