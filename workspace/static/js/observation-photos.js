// Photos in the observation outbox: a photo taken with a note waits on the tablet as the note does.
//
// When Save is pressed with a photo chosen, the photo is made smaller here if it is large (its
// longest edge at most 2400 px, a JPEG), so that a 10 MB camera photo does not fill the device's
// storage, and kept in IndexedDB (localStorage cannot hold photos) under its own id (a UUID), tied
// to the note's id and to the teacher signed in. A short list of what is kept (ids, caption, whose,
// which day) is in localStorage beside the notes, so that the page can count and sort them at once.
//
// Once the server has confirmed the note (its answer names the stored observation in
// X-Observation-Id), the photos of that note are sent to the observation's files address one at a
// time, each with its own id as client_id: the server stores an id once, so sending again is safe.
// A photo leaves the tablet only when the server answers 201 (stored) or 200 (stored already). A
// refusal (422: not a photo the workspace takes; 413: too large) is kept, said in words beside
// Save and in the list, and can be removed from the tablet there.
//
// The shared-tablet rules of the notes hold (observation-outbox.js): another teacher's photos are
// neither shown nor sent; they stay until that teacher signs in again or the day they were taken
// ends. Signing out removes the teacher's own. observation-outbox.js calls what is below through
// window.workspacePhotos.
(function () {
  "use strict";

  var INDEX = "workspace.photos.v1"; // [{id, note, user, day, form, label, caption, name, refused}]
  var TARGETS = "workspace.photo-targets.v1"; // note id -> the files address of its observation
  var DB = "workspace-outbox";
  var STORE = "photos"; // {id, blob, thumb}
  var LONGEST = 2400; // px: enough to read pupils' writing in a photo of a jotter
  var LARGE = 1.5 * 1024 * 1024; // a photo smaller than this, and not too wide, is kept as taken
  var THUMB = 160;
  var MAX_CAPTION = 300; // as the server's (evidence/services.py)
  var BACKOFF = [2000, 4000, 8000, 16000, 30000, 60000];

  var keeping = {}; // note id -> the promise of its photo being kept
  var sendingNow = false;
  var attempt = 0;
  var timer = null;
  var dbPromise = null;
  var unread = null; // {words, form}: what must outlast the swap of that form when its note is saved

  // The list (localStorage) ----------------------------------------------------------------------

  function readJson(key, empty) {
    try {
      return JSON.parse(localStorage.getItem(key) || "null") || empty;
    } catch (error) {
      return empty;
    }
  }

  function writeIndex(photos) {
    if (photos.length) {
      localStorage.setItem(INDEX, JSON.stringify(photos));
    } else {
      localStorage.removeItem(INDEX);
    }
    // A note's address is needed only while one of its photos waits.
    var targets = readJson(TARGETS, {});
    Object.keys(targets).forEach(function (note) {
      if (!photos.some(function (p) { return p.note === note; })) {
        delete targets[note];
      }
    });
    if (Object.keys(targets).length) {
      localStorage.setItem(TARGETS, JSON.stringify(targets));
    } else {
      localStorage.removeItem(TARGETS);
    }
  }

  function user() {
    return document.body.getAttribute("data-user") || "";
  }

  function mine() {
    var me = user();
    return readJson(INDEX, []).filter(function (p) { return me && p.user === me; });
  }

  function update(id, change) {
    writeIndex(readJson(INDEX, []).map(function (p) {
      return p.id === id ? Object.assign(p, change) : p;
    }));
  }

  // The photos (IndexedDB) -----------------------------------------------------------------------

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "id" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
      dbPromise.catch(function () { dbPromise = null; });
    }
    return dbPromise;
  }

  // One request in its own transaction; resolves when the transaction has completed (a put is
  // then on disk, or refused, for instance for want of space).
  function inStore(mode, act) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = act(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(request.result); };
        tx.onerror = tx.onabort = function () { reject(tx.error || request.error); };
      });
    });
  }

  function removeBlob(id) {
    return inStore("readwrite", function (store) { return store.delete(id); }).catch(function () {});
  }

  // Photos kept whose entry in the list has gone (the page closed while signing out): removed.
  function dropOrphans() {
    if (!window.indexedDB || Object.keys(keeping).length) {
      return; // (a photo being kept is in the store a moment before it is in the list)
    }
    var known = readJson(INDEX, []).map(function (p) { return p.id; });
    inStore("readonly", function (store) { return store.getAllKeys(); })
      .then(function (keys) {
        keys.forEach(function (key) {
          if (known.indexOf(key) < 0) {
            removeBlob(key);
          }
        });
      })
      .catch(function () {});
  }

  // Making it smaller ------------------------------------------------------------------------------

  function drawn(bitmap, width, height) {
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    return canvas;
  }

  // The photo to keep and a small picture for the list (a data: address, which the page's CSP
  // allows for images). A photo the browser cannot read (HEIC on a desktop) is kept as taken: the
  // server converts it.
  function prepare(file) {
    if (!window.createImageBitmap) {
      return Promise.resolve({ blob: file, thumb: "" });
    }
    return createImageBitmap(file).then(function (bitmap) {
      var w = bitmap.width;
      var h = bitmap.height;
      var small = Math.min(1, THUMB / Math.max(w, h));
      var thumb = drawn(bitmap, Math.round(w * small), Math.round(h * small)).toDataURL("image/jpeg", 0.7);
      var scale = Math.min(1, LONGEST / Math.max(w, h));
      if (scale === 1 && file.size <= LARGE) {
        return { blob: file, thumb: thumb };
      }
      return new Promise(function (resolve) {
        drawn(bitmap, Math.round(w * scale), Math.round(h * scale)).toBlob(function (blob) {
          resolve({ blob: blob || file, thumb: thumb, jpeg: !!blob });
        }, "image/jpeg", 0.85);
      });
    }).catch(function () {
      return { blob: file, thumb: "" };
    });
  }

  // The form -------------------------------------------------------------------------------------

  function inputs(form) {
    return { file: form.querySelector("#photo"), caption: form.querySelector("#photo-caption") };
  }

  // The caption is needed when a photo is chosen: said at the field, as the server would.
  function captionError(form, message) {
    var box = form.querySelector("#photo-caption-field");
    var error = form.querySelector("#photo-caption-error");
    var caption = inputs(form).caption;
    box.classList.toggle("field--error", !!message);
    error.hidden = !message;
    error.lastChild.textContent = message;
    if (message) {
      caption.setAttribute("aria-invalid", "true");
      caption.setAttribute("aria-describedby", "photo-caption-hint photo-caption-error");
      caption.focus();
    } else {
      caption.removeAttribute("aria-invalid");
      caption.setAttribute("aria-describedby", "photo-caption-hint");
    }
  }

  // Called as Save is pressed, before the note goes: false when the photo lacks its caption (the
  // note then waits for it too). Otherwise the photo, if any, is kept with the note.
  function take(form, note) {
    unread = null;
    var field = inputs(form);
    var file = field.file && field.file.files && field.file.files[0];
    if (!file) {
      return true;
    }
    var caption = field.caption.value.trim();
    if (!caption) {
      captionError(form, "Describe the photo in a few words: the caption is read out in its place.");
      return false;
    }
    if (caption.length > MAX_CAPTION) {
      // Nothing is cut (as everywhere in the workspace): the teacher shortens it.
      captionError(form, "The caption is " + (caption.length - MAX_CAPTION) + " characters too long: at most " +
        MAX_CAPTION + ".");
      return false;
    }
    captionError(form, "");
    var photo = {
      id: note.newId(),
      note: note.id,
      user: note.user,
      day: note.day,
      form: note.form,
      label: note.label, // the note's pupil, "Pupil A"
      caption: caption,
      name: file.name || "photo.jpg",
    };
    keeping[note.id] = prepare(file)
      .then(function (prepared) {
        if (prepared.jpeg) {
          photo.name = photo.name.replace(/\.[^.]*$/, "") + ".jpg";
        }
        return inStore("readwrite", function (store) {
          return store.put({ id: photo.id, blob: prepared.blob, thumb: prepared.thumb });
        });
      })
      .then(function () {
        var photos = readJson(INDEX, []);
        photos.push(photo);
        writeIndex(photos);
        show();
        if (!readJson(TARGETS, {})[note.id] && navigator.onLine === false) {
          say(waiting());
        }
      })
      .catch(function () {
        unread = {
          words: "This tablet's storage refused the photo “" + caption + "”: it was not kept (the note " +
            "is). Attach it from the note's Add a photo link when you have a connection.",
          form: form,
        };
        say(unread.words);
      })
      .then(function () { delete keeping[note.id]; });
    clear(form);
    return true;
  }

  function clear(form) {
    var field = form && inputs(form);
    if (field && field.file) {
      field.file.value = "";
      field.caption.value = "";
    }
  }

  // The server has the note: its photos can go to its observation's files.
  function confirmed(noteId, observationId, notesUrl) {
    var hasPhotos = keeping[noteId] || readJson(INDEX, []).some(function (p) { return p.note === noteId; });
    if (!hasPhotos || !/^\d+$/.test(observationId || "")) {
      return;
    }
    var targets = readJson(TARGETS, {});
    targets[noteId] = notesUrl.replace(/\/$/, "") + "/" + observationId + "/files";
    localStorage.setItem(TARGETS, JSON.stringify(targets));
    Promise.resolve(keeping[noteId]).then(send);
  }

  // Sending --------------------------------------------------------------------------------------

  function csrfToken() {
    var input = document.getElementById("csrf_token");
    if (input && input.value) {
      return input.value;
    }
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // A token gone stale meanwhile (the session was renewed by signing in again): the page at `url`
  // (the note's observation page, the photo's files page) brings a current one.
  function freshToken(url) {
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (body) {
        var input = new DOMParser().parseFromString(body, "text/html").querySelector("[name=csrf_token]");
        return input ? input.value : "";
      });
  }

  function upload(photo, blob, url, token) {
    var body = new FormData();
    body.append("csrf_token", token);
    body.append("caption", photo.caption);
    body.append("client_id", photo.id);
    body.append("file", blob, photo.name);
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      // The photo's author, as for notes (observation-outbox.js): never sent as someone else.
      headers: { "HX-Request": "true", "X-CSRFToken": token, "X-Workspace-User": photo.user },
    });
  }

  // What a refusal says, in words: the server's message at the field, where it gave one.
  function refusal(response, body) {
    if (response.status === 413) {
      return "it is larger than the workspace takes.";
    }
    if (response.status === 403 || response.status === 404) {
      return "its observation can no longer take files (deleted, or the trio closed to changes).";
    }
    var page = new DOMParser().parseFromString(body, "text/html");
    var words = Array.from(page.querySelectorAll(".field-error")).map(function (p) {
      return p.textContent.replace(/^\s*Error:\s*/, "").trim();
    });
    return words.join(" ") || "the workspace could not take it.";
  }

  // Sends the photos whose notes are confirmed, one at a time; stops at the first that cannot go.
  function send() {
    clearTimeout(timer);
    if (sendingNow || !user() || !window.indexedDB) {
      return;
    }
    var targets = readJson(TARGETS, {});
    var photo = mine().filter(function (p) { return targets[p.note] && !p.refused; })[0];
    if (!photo) {
      attempt = 0;
      return;
    }
    sendingNow = true;
    var url = targets[photo.note];
    var renewed = false;

    function answered(response) {
      return response.text().then(function (body) {
        if (response.status === 400 && !renewed) {
          renewed = true;
          return freshToken(url).then(function (token) {
            return kept.then(function (record) { return upload(photo, record.blob, url, token); });
          }).then(answered);
        }
        if (response.status === 401) {
          throw { signIn: true };
        }
        if (response.status === 200 || response.status === 201) {
          return removeBlob(photo.id).then(function () {
            writeIndex(readJson(INDEX, []).filter(function (p) { return p.id !== photo.id; }));
            say(mine().length ? "Photo sent. " + waiting() : "Photo sent. It is with its note in the list below.");
            if (window.htmx && document.getElementById("observation-feed")) {
              htmx.trigger(document.body, "observation-saved"); // its thumbnail, at once
            }
          });
        }
        if (response.status === 413 || response.status === 422 || response.status === 403 ||
            response.status === 404) {
          var why = refusal(response, body);
          update(photo.id, { refused: why, files: url });
          say("The photo “" + photo.caption + "” was not sent: " + why +
            " It is kept in the list below, where you can remove it from this tablet.");
          return;
        }
        throw { status: response.status };
      });
    }

    var kept = inStore("readonly", function (store) { return store.get(photo.id); });
    kept
      .then(function (record) {
        if (!record) {
          // Its photo is not on this tablet any more (storage cleared): nothing to send.
          writeIndex(readJson(INDEX, []).filter(function (p) { return p.id !== photo.id; }));
          return;
        }
        return upload(photo, record.blob, url, csrfToken()).then(answered);
      })
      .then(function () {
        sendingNow = false;
        attempt = 0;
        show();
        send();
      })
      .catch(function (problem) {
        sendingNow = false;
        show();
        if (problem && problem.signIn) {
          return; // sent after signing in again
        }
        say(waiting());
        timer = setTimeout(send, BACKOFF[Math.min(attempt, BACKOFF.length - 1)]);
        attempt += 1;
      });
  }

  // The page -------------------------------------------------------------------------------------

  function say(message) {
    var box = document.getElementById("save-status");
    if (box && message) {
      box.textContent = message;
    }
  }

  function photos(n) {
    return n + (n === 1 ? " photo" : " photos");
  }

  // What waits on the tablet for the teacher signed in, notes and photos together. `lead` says
  // what they wait for (observation-outbox.js: being sent, on a slow network); by default, the
  // connection.
  function waiting(lead) {
    var me = user();
    // (A note the server refused is not waiting for the connection: observation-outbox.js says so.)
    var notes = readJson("workspace.outbox.v1", []).filter(function (n) { return me && n.user === me && !n.held; }).length;
    var n = mine().length;
    var parts = [];
    if (notes) {
      parts.push(notes + (notes === 1 ? " note" : " notes"));
    }
    if (n) {
      parts.push(photos(n));
    }
    return parts.length ? (lead || "Waiting for the connection: ") + parts.join(" and ") + " kept on this tablet." : "";
  }

  function outboxForm() {
    return document.querySelector("form[data-outbox]");
  }

  // The photos waiting from this lesson's form, below its notes, each with its small picture and
  // a way to remove it from the tablet.
  function show() {
    var list = document.getElementById("outbox-photos");
    var form = outboxForm();
    if (!list || !form) {
      return;
    }
    var here = mine().filter(function (p) { return p.form === form.getAttribute("data-outbox"); });
    list.textContent = "";
    here.forEach(function (photo) {
      var item = document.createElement("li");
      item.className = "entry entry--waiting" + (photo.refused ? " entry--refused" : "");
      item.id = "outbox-photo-" + photo.id;
      var meta = document.createElement("p");
      meta.className = "entry__meta";
      var whose = "Photo" + (photo.label ? " with the note on " + photo.label : "");
      meta.textContent = whose + (photo.refused ? " · Not sent: " + photo.refused : " · Waiting to send");
      item.appendChild(meta);
      var figure = document.createElement("p");
      figure.className = "evidence-file";
      var img = document.createElement("img");
      img.alt = photo.caption;
      img.width = THUMB;
      figure.appendChild(img);
      var caption = document.createElement("span");
      caption.className = "evidence-file__caption";
      caption.textContent = photo.caption;
      figure.appendChild(caption);
      item.appendChild(figure);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button";
      remove.textContent = "Remove from this tablet";
      var which = document.createElement("span");
      which.className = "visually-hidden";
      which.textContent = " the photo “" + photo.caption + "”";
      remove.appendChild(which);
      remove.addEventListener("click", function () { discard(photo); });
      item.appendChild(remove);
      list.appendChild(item);
      inStore("readonly", function (store) { return store.get(photo.id); })
        .then(function (record) {
          if (record && record.thumb) {
            img.src = record.thumb;
          } else {
            img.hidden = true; // a photo this browser cannot draw: its caption stands for it
          }
        })
        .catch(function () { img.hidden = true; });
    });
    var notes = document.getElementById("outbox-notes");
    document.getElementById("observation-outbox").hidden =
      here.length === 0 && !(notes && notes.children.length);
  }

  function discard(photo) {
    if (!window.confirm("Remove the photo “" + photo.caption + "” from this tablet? It has not been sent.")) {
      return;
    }
    writeIndex(readJson(INDEX, []).filter(function (p) { return p.id !== photo.id; }));
    removeBlob(photo.id);
    var notes = document.getElementById("outbox-notes");
    show();
    say("The photo “" + photo.caption + "” has been removed from this tablet.");
    if (notes && !document.getElementById("outbox-photos").children.length && !notes.children.length) {
      document.getElementById("save-status").focus();
    }
  }

  // The shared tablet ----------------------------------------------------------------------------

  // As for notes: another teacher's photos leave when the day they were taken ends.
  function dropOthersPast(me, day) {
    var all = readJson(INDEX, []);
    var kept = all.filter(function (p) { return (me && p.user === me) || p.day === day; });
    if (kept.length !== all.length) {
      writeIndex(kept);
    }
    dropOrphans();
  }

  // Signing out: this teacher's photos leave the tablet (the list at once; the photos themselves
  // now, or on the next page if this one closes first).
  function forgetUser(me) {
    var all = readJson(INDEX, []);
    all.filter(function (p) { return p.user === me; }).forEach(function (p) { removeBlob(p.id); });
    writeIndex(all.filter(function (p) { return p.user !== me; }));
  }

  // The CSRF token, now and afresh: the notes' outbox sends with them too.
  window.workspaceTokens = { current: csrfToken, fresh: freshToken };

  window.workspacePhotos = {
    take: take,
    clear: clear,
    confirmed: confirmed,
    send: send,
    show: show,
    waiting: waiting,
    mineCount: function () { return mine().length; },
    allCount: function () { return readJson(INDEX, []).length; },
    dropOthersPast: dropOthersPast,
    forgetUser: forgetUser,
  };

  // The photo field needs this script: without it the feed's "Add a photo" link is the way.
  // A fresh form (after a save) is offered it again, with what it must still be told.
  function offerField() {
    var field = document.getElementById("photo-field");
    if (field && window.indexedDB) {
      field.hidden = false;
      if (unread && !document.body.contains(unread.form)) {
        say(unread.words);
        unread = null;
      }
    }
  }

  document.addEventListener("htmx:afterSettle", offerField);
  window.addEventListener("online", function () {
    attempt = 0;
    send();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      attempt = 0;
      send();
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", offerField);
  } else {
    offerField();
  }
})();
