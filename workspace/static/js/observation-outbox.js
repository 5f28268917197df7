// The observation outbox: notes taken on a tablet survive school Wi-Fi.
//
// Every new note is written to this device's storage (localStorage) the moment Save is pressed,
// with its own id (a UUID) and the time Save was pressed, and leaves it only when the server has
// confirmed it. Online, htmx sends it as before; if that fails (no network, the reply lost, the
// server busy, the session ended), the note waits here and is sent again, oldest first, on the
// `online` event, when a page loads or becomes visible again, and on a timer that backs off. The
// server stores each note id once (observing.record_observation), so sending again is safe.
// What is being typed is kept here too, as a draft, until it is saved or cleared.
//
// A photo taken with a note waits with it (observation-photos.js, window.workspacePhotos): it is
// sent once the note is confirmed.
//
// Nothing here is pupil data beyond what the teacher typed; it is removed once sent, and on
// sign-out. On a shared tablet another teacher's notes and drafts are neither shown nor sent; they
// stay only until that teacher signs in again or the day they were taken ends (see the README's
// "Observing a lesson").
(function () {
  "use strict";

  var OUTBOX = "workspace.outbox.v1";
  var DRAFT = "workspace.draft.v1:";
  var PAGES = "workspace-observe-pages"; // the service worker's cache (observe-sw.js)
  var BACKOFF = [2000, 4000, 8000, 16000, 30000, 60000];

  var attempt = 0;
  var timer = null;
  var flushing = false;
  var sending = {}; // note ids htmx is sending right now: the replay leaves them alone
  var sentByHtmx = null; // the note htmx's request carries

  // The photos kept with notes (observation-photos.js, loaded first); absent, notes alone.
  function photos() {
    return window.workspacePhotos || null;
  }

  // Storage ------------------------------------------------------------------------------------

  function readOutbox() {
    try {
      return JSON.parse(localStorage.getItem(OUTBOX) || "[]");
    } catch (error) {
      return [];
    }
  }

  function writeOutbox(notes) {
    if (notes.length) {
      localStorage.setItem(OUTBOX, JSON.stringify(notes));
    } else {
      localStorage.removeItem(OUTBOX);
    }
  }

  function keep(note) {
    var notes = readOutbox().filter(function (n) { return n.id !== note.id; });
    notes.push(note);
    writeOutbox(notes);
  }

  // The day on this device's clock, as the service worker counts its kept pages (observe-sw.js).
  function today() {
    return new Date().toDateString();
  }

  // A draft: what was typed, and the day it was typed on.
  function readDraft(key) {
    var raw = key && localStorage.getItem(key);
    if (!raw) {
      return "";
    }
    try {
      var draft = JSON.parse(raw);
      return draft && typeof draft === "object" && typeof draft.text === "string" ? draft.text : raw;
    } catch (error) {
      return raw;
    }
  }

  function draftDay(key) {
    return draftPart(key, "day");
  }

  // A refused note back in its form is the draft, with the note's id: saved again, even after a
  // reload, it goes under that id, and the photos kept with it (observation-photos.js) follow it.
  function draftId(key) {
    return draftPart(key, "id");
  }

  function draftPart(key, part) {
    try {
      return JSON.parse((key && localStorage.getItem(key)) || "{}")[part] || "";
    } catch (error) {
      return "";
    }
  }

  // The text typed; `id` is the refused note's (above). Typing on keeps the id; clearing the box
  // ends the draft and its id, and so does the note being stored (storedNote).
  function writeDraft(key, text, id) {
    if (text) {
      var draft = { text: text, day: today() };
      var noteId = id || draftId(key);
      if (noteId) {
        draft.id = noteId;
      }
      localStorage.setItem(key, JSON.stringify(draft));
    } else {
      localStorage.removeItem(key);
    }
  }

  // A shared tablet: the notes and drafts of a teacher other than the one signed in here (anyone's,
  // on the sign-in page) stay until that teacher signs in again and sends them, or until the day
  // they were taken ends, whichever comes first; then they leave the device. The signed-in
  // teacher's own are kept until the server confirms them, whatever the day.
  function dropOthersPast() {
    var me = user();
    var day = today();
    var notes = readOutbox();
    var kept = notes.filter(function (n) { return (me && n.user === me) || n.day === day; });
    if (kept.length !== notes.length) {
      writeOutbox(kept);
    }
    if (photos()) {
      photos().dropOthersPast(me, day);
    }
    Object.keys(localStorage).forEach(function (key) {
      var others = key.indexOf(DRAFT) === 0 && !(me && key.indexOf(DRAFT + me + ":") === 0);
      if (others && draftDay(key) !== day) {
        localStorage.removeItem(key);
      }
    });
  }

  function forget(id) {
    writeOutbox(readOutbox().filter(function (n) { return n.id !== id; }));
  }

  function user() {
    return document.body.getAttribute("data-user") || "";
  }

  function mine() {
    var me = user();
    return readOutbox().filter(function (n) { return me && n.user === me; });
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    // Pages served over plain http on a school network have no randomUUID: a version 4 UUID
    // from getRandomValues.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // The refused note the form holds, by id, while the draft still holds that id: written into the
  // form as it came back (held, answeredByHtmx) or was restored after a reload (restoreDraft).
  var handedBack = null;

  // A note the server has stored: a draft still under its id is a new note from now on (a second
  // tab, or typing while it was sent), and must not go under the stored note's id.
  function storedNote(note) {
    var key = DRAFT + note.form; // its own lesson's draft, whichever page sent it
    if (draftId(key) === note.id) {
      localStorage.setItem(key, JSON.stringify({ text: readDraft(key), day: draftDay(key) || today() }));
    }
    if (handedBack === note.id) {
      handedBack = null;
    }
  }

  // The page -----------------------------------------------------------------------------------

  function form() {
    return document.querySelector("form[data-outbox]");
  }

  function field(name) {
    var f = form();
    return f ? f.querySelector("[name=" + name + "]") : null;
  }

  // The box the note is written in: "text" on the observation form; the pupil voice form names
  // its own (data-outbox-text="response").
  function textBox() {
    var f = form();
    return f ? f.querySelector("[name=" + (f.getAttribute("data-outbox-text") || "text") + "]") : null;
  }

  function status(message) {
    var box = document.getElementById("save-status");
    if (box) {
      box.textContent = message;
    }
  }

  function plural(n) {
    return n + (n === 1 ? " note" : " notes");
  }

  // The notes waiting, shown above the feed, each marked "Waiting to send".
  function showWaiting() {
    var list = document.getElementById("outbox-notes");
    var f = form();
    if (!list || !f) {
      return;
    }
    var here = mine().filter(function (n) { return n.form === f.getAttribute("data-outbox"); });
    list.textContent = "";
    here.forEach(function (note) {
      var item = document.createElement("li");
      item.className = "entry entry--waiting";
      var meta = document.createElement("p");
      meta.className = "entry__meta";
      meta.textContent = note.label + (note.held ? " · Needs checking: the workspace could not save it as it was" : " · Waiting to send");
      var text = document.createElement("p");
      text.className = "entry__text";
      text.textContent = note.text;
      item.appendChild(meta);
      item.appendChild(text);
      list.appendChild(item);
    });
    document.getElementById("observation-outbox").hidden = here.length === 0;
    if (photos()) {
      photos().show(); // its photos below, and the section shown while either waits
    }
  }

  function draftKey() {
    var f = form();
    return f ? DRAFT + f.getAttribute("data-outbox") : null;
  }

  // A fresh note: an empty text box (the pupil and stage stay) and a new note id.
  function clearForNext() {
    var text = textBox();
    if (text) {
      text.value = "";
      text.dispatchEvent(new Event("input", { bubbles: true })); // the character count
    }
    field("client_id").value = newId();
    field("taken_at").value = "";
    writeDraft(draftKey(), "");
    if (photos()) {
      photos().clear(form());
    }
  }

  function waitingMessage() {
    var n = mine().filter(function (note) { return !note.held; }).length;
    // Online with a note on its way (a slow network), the notes kept are being sent: they are
    // not waiting for a connection.
    var onTheirWay = navigator.onLine !== false && (flushing || sentByHtmx !== null);
    var lead = onTheirWay ? "Sending: " : "Waiting for the connection: ";
    var waiting = photos() ? photos().waiting(lead) // notes and photos
      : n ? lead + plural(n) + " kept on this tablet." : "";
    return [waiting, checkingMessage()].filter(Boolean).join(" ");
  }

  // Sending --------------------------------------------------------------------------------------

  // The page's token and a fresh one come from observation-photos.js (window.workspaceTokens),
  // loaded before this script.
  function csrfToken() {
    return window.workspaceTokens.current();
  }

  // A token that went stale while offline: the note's own page brings a current one, which the
  // page's form takes too.
  function renewToken(note) {
    return window.workspaceTokens.fresh(note.page)
      .then(function (token) {
        var mineNow = document.getElementById("csrf_token");
        if (token && mineNow) {
          mineNow.value = token;
        }
        return token;
      });
  }

  function send(note, token) {
    var body = new URLSearchParams({ csrf_token: token });
    note.fields.forEach(function (pair) {
      body.append(pair[0], pair[1]);
    });
    return fetch(note.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      // X-Workspace-User: the note's author. Someone else signed in on this browser since the page
      // was opened is answered 401, and the note waits for its author.
      headers: {
        "HX-Request": "true",
        "HX-Current-URL": location.href,
        "X-CSRFToken": token,
        "X-Workspace-User": note.user,
      },
    });
  }

  // Sends the notes waiting, oldest first, one at a time; stops at the first that cannot go.
  function flush() {
    clearTimeout(timer);
    if (flushing || !user()) {
      return;
    }
    // A note the server refused waits until its own form is free to take it back (held).
    var notes = mine().filter(function (n) { return !sending[n.id] && (!n.held || handedBackHere(n)); });
    if (!notes.length) {
      attempt = 0;
      return;
    }
    flushing = true;
    var note = notes[0];
    var renewed = false;
    var token = csrfToken();

    function answered(response) {
      // The answer is read to its end even where it is not used: a stream left open keeps the
      // request, and the page, busy.
      return response.text().then(function (body) { return settled(response, body); });
    }

    function settled(response, body) {
      if (response.status === 400 && !renewed) {
        renewed = true;
        return renewToken(note).then(function (fresh) {
          token = fresh;
          return send(note, token).then(answered);
        });
      }
      if (response.status === 401) {
        throw { signIn: true };
      }
      if (response.status === 422) {
        return held(note, body);
      }
      if (response.status >= 200 && response.status < 300) {
        if (photos()) {
          photos().confirmed(note.id, response.headers.get("X-Observation-Id"), note.url);
        }
        storedNote(note);
        forget(note.id);
        status(sentMessage());
        refreshList();
        return true;
      }
      throw { status: response.status };
    }

    send(note, token)
      .then(answered)
      .then(function (go_on) {
        flushing = false;
        attempt = 0;
        showWaiting();
        if (go_on) {
          flush();
        }
      })
      .catch(function (problem) {
        flushing = false;
        showWaiting();
        if (problem && problem.signIn) {
          status("Your session has ended. Sign in again: " + plural(mine().length) +
            " kept on this tablet will be sent then.");
          return; // nothing will succeed until the teacher signs in again
        }
        status(waitingMessage());
        retryLater();
      });
  }

  // What the status says once a waiting note has gone: what still waits, and a refused note still
  // in the form (held) is not talked over.
  function sentMessage() {
    var f = form();
    if (f && f.hasAttribute("data-held-note")) {
      return "Sent. The note back in the form still needs checking: save it again once it is right.";
    }
    return waitingMessage() ? "Sent. " + waitingMessage() : "Sent. Your notes are in the list below.";
  }

  // The entry sent is brought into the page's list: the observation feed refreshes itself; the
  // pupil voice list comes with its form, so it is fetched again only while the form is empty,
  // one fetch at a time (a note sent meanwhile asks for one more), and the status then says what
  // is true once it has come.
  var listing = false;
  var listAgain = false;

  function refreshList() {
    if (!window.htmx) {
      return;
    }
    if (document.getElementById("observation-feed")) {
      htmx.trigger(document.body, "observation-saved");
      return;
    }
    if (listing) {
      listAgain = true;
      return;
    }
    var f = form();
    var text = textBox();
    if (f && text && !text.value.trim() && f.getAttribute("hx-target")) {
      listing = true;
      htmx.ajax("GET", location.pathname, { target: f.getAttribute("hx-target"), swap: "outerHTML" })
        .catch(function () { /* the next note sent brings the list */ })
        .then(function () {
          listing = false;
          status(sentMessage());
          if (listAgain) {
            listAgain = false;
            refreshList();
          }
        });
    }
  }

  function retryLater() {
    clearTimeout(timer);
    timer = setTimeout(flush, BACKOFF[Math.min(attempt, BACKOFF.length - 1)]);
    attempt += 1;
  }

  // Whether this page's form can take a refused note back: it is the note's own form (a note
  // taken in another lesson goes back there), and nothing is being written in it.
  function handedBackHere(note) {
    var f = form();
    var text = textBox();
    return !!(f && text && window.htmx && note.form === f.getAttribute("data-outbox") && !text.value.trim());
  }

  // The server could not save a note as it is (its stage taken out of the plan meanwhile, say):
  // its answer, the form with the note and what is wrong with it, takes the form's place, and
  // the note is this form's draft from then on, so a reload keeps it. Where the form is busy, or
  // is another lesson's, the note waits marked "Needs checking"; the notes behind it go on.
  function held(note, body) {
    if (!handedBackHere(note)) {
      note.held = true;
      writeOutbox(readOutbox().map(function (n) { return n.id === note.id ? note : n; }));
      status(checkingMessage());
      return true;
    }
    var f = form();
    var place = document.querySelector(f.getAttribute("hx-target"));
    writeDraft(draftKey(), note.text, note.id);
    handedBack = note.id;
    forget(note.id);
    htmx.swap(place, body, { swapStyle: "outerHTML" });
    if (form()) {
      form().setAttribute("data-held-note", ""); // the status does not talk over it (sentMessage)
    }
    var summary = document.querySelector(f.getAttribute("hx-target") + " .error-summary");
    if (summary) {
      var why = document.createElement("p");
      why.textContent = "This note was kept on this tablet while the connection was down, and could not be saved as it was. Check it and save again.";
      summary.querySelector("h2").insertAdjacentElement("afterend", why);
    }
    status("A note kept on this tablet could not be saved as it was: it is back in the form. Check it and save again.");
    return true;
  }

  // Notes the server refused, waiting for their form: where to find them.
  function checkingMessage() {
    var f = form();
    var here = f ? f.getAttribute("data-outbox") : "";
    var held = mine().filter(function (n) { return n.held; });
    if (!held.length) {
      return "";
    }
    var one = held.length === 1;
    var needs = plural(held.length) + " kept on this tablet " + (one ? "needs" : "need") + " checking";
    if (held.some(function (n) { return n.form === here; })) {
      return needs + ": save or clear what you are writing to see " + (one ? "it." : "them.");
    }
    return needs + " on " + (one ? "its lesson's" : "their lessons'") + " page.";
  }

  // The form -------------------------------------------------------------------------------------

  // Before htmx sends a new note (a capturing listener runs first): keep it on the tablet. If
  // notes are already waiting, or the tablet is offline, it joins the queue instead, so that the
  // notes go in the order they were taken.
  document.addEventListener(
    "submit",
    function (event) {
      var f = event.target;
      if (!f.matches || !f.matches("form[data-outbox]") || !user()) {
        return;
      }
      var text = textBox();
      if (!text.value.trim()) {
        return; // the server says what is missing
      }
      var queued = mine().some(function (n) { return !n.held; }) || navigator.onLine === false;
      var limit = parseInt(text.getAttribute("data-maxlength"), 10);
      if (queued && limit > 0 && Array.from(text.value).length > limit) {
        // Online the server answers with the field's error; a note that would wait is refused
        // here, before it waits: it stays in the box, as a draft, to be shortened.
        event.preventDefault();
        event.stopPropagation();
        status("This note is too long to keep: shorten it to " + limit.toLocaleString("en-GB") +
          " characters or fewer, then save. What you wrote is still in the box.");
        text.focus();
        return;
      }
      var current = field("client_id").value;
      var onItsWay = current ? readOutbox().filter(function (n) { return n.id === current; })[0] : null;
      if (onItsWay && onItsWay.text === text.value.trim()) {
        // A second tap on the note already on its way (a slow network): nothing more to send.
        event.preventDefault();
        event.stopPropagation();
        return;
      }
      if (current && current === handedBack && draftId(draftKey()) !== current) {
        // The refused note's text was cleared (or it was stored from another tab): this is
        // another note, and its own, with no photo of the refused one.
        handedBack = null;
        current = "";
      }
      if (!current || onItsWay) {
        // The form's id is the note still on its way: a different note needs its own, or it
        // would take that note's place in the outbox and leave with its answer.
        field("client_id").value = newId();
      }
      var now = new Date();
      var pupil = f.querySelector("[name=case_pupil_id]:checked");
      var label = pupil ? pupil.parentNode.textContent.trim().split(":")[0] : "A note";
      var withPhoto = !photos() || photos().take(f, {
        id: field("client_id").value,
        user: user(),
        day: now.toDateString(),
        form: f.getAttribute("data-outbox"),
        label: label,
        newId: newId,
      });
      if (!withPhoto) {
        // A photo without its caption: the note waits in the form until it has one.
        event.preventDefault();
        event.stopPropagation();
        status("The photo's caption needs checking before the note is saved.");
        return;
      }
      field("taken_at").value = now.toISOString();
      var note = {
        id: field("client_id").value,
        user: user(),
        day: now.toDateString(), // another teacher's note leaves a shared tablet when this day ends
        form: f.getAttribute("data-outbox"),
        url: f.getAttribute("action"),
        page: location.pathname,
        label: label,
        text: text.value.trim(),
        // Without the CSRF token: the one current when it is sent goes with it.
        fields: Array.from(new FormData(f).entries()).filter(function (pair) { return pair[0] !== "csrf_token"; }),
      };
      keep(note);
      if (readDraft(draftKey()).trim() === note.text) {
        writeDraft(draftKey(), ""); // it is in the outbox now: a reload must not offer it again
      }
      if (queued) {
        event.preventDefault();
        event.stopPropagation();
        clearForNext();
        showWaiting();
        status(waitingMessage());
        flush();
      } else {
        sending[note.id] = true;
        sentByHtmx = note;
      }
    },
    true
  );

  function fromOutboxForm(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.matches && elt.matches("form[data-outbox]") ? elt : null;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var f = fromOutboxForm(event) || anEdit(event);
    if (f) {
      status("Saving…");
      f.querySelector("button[type=submit]").setAttribute("aria-busy", "true");
    }
  });

  // An edit is not queued (it is checked against the version it began from when it arrives):
  // where it cannot go, the change stays in the form and the status beside Save says so.
  function anEdit(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.matches && elt.matches("#observation-form form:not([data-outbox])") ? elt : null;
  }

  function editNotSent(event) {
    var f = anEdit(event);
    if (f) {
      f.querySelector("button[type=submit]").removeAttribute("aria-busy");
      status("Not saved yet: the workspace could not be reached. Your change is still here: save again when the connection returns.");
    }
  }

  document.addEventListener("htmx:sendError", editNotSent);
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr.status >= 500) {
      editNotSent(event);
    }
  });

  // htmx's answer: confirmed (or refused as invalid, the text then back in the form with its
  // errors) and the note leaves the outbox; otherwise it waits, and the form is free again.
  // (Before the answer is swapped in: the swap takes the form, and its events, out of the page.)
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    answeredByHtmx(event, event.detail.xhr.status);
  });
  document.addEventListener("htmx:sendError", function (event) {
    answeredByHtmx(event, 0);
  });

  function answeredByHtmx(event, code) {
    var f = fromOutboxForm(event);
    if (!f) {
      return;
    }
    var note = sentByHtmx;
    sentByHtmx = null;
    if (!note) {
      return;
    }
    delete sending[note.id];
    if ((code >= 200 && code < 300) || code === 422) {
      if (code !== 422 && photos()) {
        photos().confirmed(note.id, event.detail.xhr.getResponseHeader("X-Observation-Id"), note.url);
      }
      forget(note.id);
      if (code === 422) {
        // refused: back in the form, and kept there as a draft under its id (unless what was typed
        // meanwhile is another note)
        var typed = readDraft(draftKey());
        if (!typed || typed.trim() === note.text) {
          writeDraft(draftKey(), note.text, note.id);
          handedBack = note.id;
        }
      } else {
        storedNote(note);
      }
      return;
    }
    var button = f.querySelector("button[type=submit]");
    if (button) {
      button.removeAttribute("aria-busy");
    }
    if (code === 401) {
      // htmx goes to sign in; the note waits and is sent after (it left the draft when it was kept).
      return;
    }
    if (field("client_id") && field("client_id").value === note.id) {
      clearForNext(); // the note is safe in the outbox: the form is ready for the next
    }
    showWaiting();
    status(waitingMessage());
    retryLater();
  }

  // The draft: kept as the teacher types, back after a reload or a crashed tab.
  document.addEventListener("input", function (event) {
    if (event.target === textBox()) {
      writeDraft(draftKey(), event.target.value);
      if (!event.target.value.trim() && mine().some(handedBackHere)) {
        flush(); // the box cleared: a note waiting to be checked comes into it
      }
    }
  });

  function restoreDraft() {
    var text = textBox();
    var key = draftKey();
    var draft = readDraft(key);
    if (text && draft && !text.value) {
      if (draftId(key) && field("client_id")) {
        field("client_id").value = draftId(key); // the refused note's own id, not the page's new one
        handedBack = draftId(key);
      }
      text.value = draft;
      text.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  // The case pupil and stage last chosen in this form, kept beside its draft (and gone with it on
  // sign-out, or at the day's end on a shared tablet): the page, opened again (from the kept copy
  // in a dead spot, too), has them chosen as the teacher left them.
  var CHOSEN = ["case_pupil_id", "stage_id"];

  function chosenKey() {
    var key = draftKey();
    return key ? key + ":chosen" : null;
  }

  document.addEventListener("change", function (event) {
    var f = form();
    var input = event.target;
    if (!f || !f.contains(input) || CHOSEN.indexOf(input.name) < 0 || !chosenKey()) {
      return;
    }
    var chosen = {};
    CHOSEN.forEach(function (name) {
      var checked = f.querySelector('[name="' + name + '"]:checked');
      chosen[name] = checked ? checked.value : "";
    });
    localStorage.setItem(chosenKey(), JSON.stringify({ chosen: chosen, day: today() }));
  });

  function restoreChoices() {
    var f = form();
    var key = chosenKey();
    var kept;
    try {
      kept = JSON.parse((key && localStorage.getItem(key)) || "{}").chosen || {};
    } catch (error) {
      kept = {};
    }
    CHOSEN.forEach(function (name) {
      var input = name in kept && f.querySelector('[name="' + name + '"][value="' + CSS.escape(kept[name]) + '"]');
      if (input) {
        input.checked = true;
      }
    });
  }

  // The feed's poll failing is not a save failing: a quiet word beside the feed.
  document.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "observation-feed") {
      connection("Offline: colleagues' notes will appear when you reconnect.");
    }
  });
  // Any answer from the workspace says the tablet reaches it again. (Not only the feed's: when
  // its answer replaces the feed, htmx reports it on the element around it, without the feed's id.)
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      connection("");
    }
  });

  // Signing out ---------------------------------------------------------------------------------

  // With notes still waiting, signing out warns and offers to wait; once it goes ahead, this
  // teacher's notes, drafts and the kept pages leave the device (a shared iPad keeps nothing).
  document.addEventListener(
    "submit",
    function (event) {
      var f = event.target;
      if (!f.matches || !f.matches("form[action$='/sign-out']")) {
        return;
      }
      var waiting = mine().length;
      var pictures = photos() ? photos().mineCount() : 0;
      if (waiting || pictures) {
        var what = [];
        if (waiting) {
          what.push(waiting + (waiting === 1 ? " observation" : " observations"));
        }
        if (pictures) {
          what.push(pictures + (pictures === 1 ? " photo" : " photos"));
        }
        var many = waiting + pictures > 1;
        var message = what.join(" and ") + (many ? " have" : " has") +
          " not been sent yet. Press Cancel to wait for the connection, or OK to sign out and remove " +
          (many ? "them" : "it") + " from this tablet.";
        if (!window.confirm(message)) {
          event.preventDefault();
          event.stopPropagation();
          return;
        }
      }
      var me = user();
      writeOutbox(readOutbox().filter(function (n) { return n.user !== me; }));
      if (photos()) {
        photos().forgetUser(me);
      }
      Object.keys(localStorage).forEach(function (key) {
        if (key.indexOf(DRAFT + me + ":") === 0) {
          localStorage.removeItem(key);
        }
      });
      if (window.caches) {
        caches.delete(PAGES);
      }
    },
    true
  );

  // The page opening offline ----------------------------------------------------------------------

  // The service worker's copy is the page as it was last opened online; what came into the feed
  // since (by htmx: this tablet's notes and colleagues') is not in it. So the feed as last shown
  // is kept beside the copy, with the copy's lifetime (observe-sw.js: today only; gone on
  // sign-out), and a page older than it (opened from the copy) shows it. Keeping it costs no
  // request.
  var FEED_COPY = "?kept-feed";
  var keptAt = 0;

  // When the workspace read the feed (its data-read-at, in ms), from the element or its HTML.
  function readAt(html) {
    var at = /data-read-at="(\d+)"/.exec(html || "");
    return at ? parseInt(at[1], 10) : 0;
  }

  function keepFeed() {
    var feed = document.getElementById("observation-feed");
    var at = feed ? parseInt(feed.getAttribute("data-read-at"), 10) || 0 : 0;
    if (!window.caches || at <= keptAt) {
      return;
    }
    keptAt = at;
    // Without htmx's marks of the moment (a poll in flight, a swap settling).
    var clean = feed.cloneNode(true);
    var marks = ["htmx-request", "htmx-added", "htmx-settling", "htmx-swapping"];
    [clean].concat(Array.from(clean.querySelectorAll("." + marks.join(", .")))).forEach(function (el) {
      marks.forEach(function (mark) { el.classList.remove(mark); });
    });
    var copy = new Response(clean.outerHTML, {
      headers: { "Content-Type": "text/html; charset=utf-8", "Date": new Date().toUTCString() },
    });
    caches.open(PAGES)
      .then(function (cache) { return cache.put(location.pathname + FEED_COPY, copy); })
      .catch(function () { /* storage full or refused: the copy keeps its own feed */ });
  }

  function showKeptFeed() {
    var feed = document.getElementById("observation-feed");
    if (!feed || !window.caches || !window.htmx) {
      return;
    }
    var at = parseInt(feed.getAttribute("data-read-at"), 10) || 0;
    caches.open(PAGES)
      .then(function (cache) { return cache.match(location.pathname + FEED_COPY); })
      .then(function (kept) { return kept ? kept.text() : ""; })
      .then(function (html) {
        var current = document.getElementById("observation-feed");
        if (html && readAt(html) > at && current) {
          htmx.swap(current, html, { swapStyle: "outerHTML" });
        }
        keepFeed();
      })
      .catch(function () { /* no kept feed: the page's own */ });
  }

  document.addEventListener("htmx:afterSettle", keepFeed);

  // The page's message of the moment it opened ("Your observation has been deleted.") is out of
  // date once the next note is saved: it goes, rather than stand above the form all lesson.
  document.addEventListener("observation-saved", function () {
    document.querySelectorAll("[data-flash]").forEach(function (notice) { notice.remove(); });
  });

  // The service worker keeps the observation pages opened today (observe-sw.js). The first visit
  // is not yet under its care: the page puts itself and what it loads into the cache.
  function keepThisPage() {
    if (!("serviceWorker" in navigator) || !window.caches || !document.getElementById("observation-feed")) {
      return;
    }
    var worker = document.body.getAttribute("data-observe-worker");
    navigator.serviceWorker.register(worker, { scope: document.body.getAttribute("data-observe-scope") })
      .catch(function () { /* no offline page, everything else still works */ });
    var assets = Array.from(document.querySelectorAll("link[rel=stylesheet], link[rel=icon], script[src]"))
      .map(function (el) { return el.href || el.src; });
    caches.open(PAGES).then(function (cache) {
      return cache.match(location.href).then(function (hit) {
        return hit ? null : cache.addAll([location.href].concat(assets));
      });
    }).catch(function () { /* storage full or refused: the page works online */ });
  }

  // When to send ----------------------------------------------------------------------------------

  function start() {
    dropOthersPast();
    var notice = document.querySelector("[data-outbox-notice]");
    var all = readOutbox().length;
    var pictures = photos() ? photos().allCount() : 0;
    if (notice && (all || pictures)) {
      var what = (all ? [plural(all)] : []).concat(pictures ? [pictures + (pictures === 1 ? " photo" : " photos")] : []);
      notice.textContent = what.join(" and ") + (all + pictures === 1 ? " is" : " are") +
        " waiting on this tablet: sign in, and they will be sent.";
      notice.hidden = false;
    }
    if (field("client_id")) {
      // The id the page came with may be a note's already sent: the service worker's copy is the
      // page as first opened, and the server stores each id once. Each page load gets its own.
      field("client_id").value = newId();
    }
    restoreDraft();
    restoreChoices();
    showWaiting();
    if (mine().length) {
      status(waitingMessage());
    }
    keepThisPage();
    showKeptFeed();
    flush();
    if (photos()) {
      photos().send(); // photos whose notes were confirmed before the page closed
    }
  }

  function connection(message) {
    var note = document.getElementById("feed-connection");
    if (note) {
      note.textContent = message;
    }
  }

  window.addEventListener("offline", function () {
    connection("Offline: colleagues' notes will appear when you reconnect.");
  });
  window.addEventListener("online", function () {
    attempt = 0;
    flush();
    connection("");
    if (window.htmx && document.getElementById("observation-feed")) {
      htmx.trigger(document.body, "observation-saved"); // colleagues' notes, without waiting for the poll
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      dropOthersPast(); // the tablet left on overnight
      attempt = 0;
      flush();
    }
  });
  // A fresh form (after a save) offers the draft and the list again, and a note waiting to be
  // checked, now that the form is free.
  // (The event is on what was swapped in: the target in its detail, for an outerHTML swap, is the
  // element that was replaced.)
  document.addEventListener("htmx:afterSettle", function (event) {
    if (form() && event.target.contains && event.target.contains(form())) {
      restoreDraft();
      showWaiting();
      if (mine().some(handedBackHere)) {
        flush();
      }
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
