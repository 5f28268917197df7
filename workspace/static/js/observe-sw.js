// The service worker of the observation pages: a reload in a dead spot shows the lesson's
// observation page (its form, case pupils, stages and the last feed seen), not the browser's
// error. It answers only GETs of observation pages and of the files under /static/ they load;
// everything else (every POST, the feed's poll, every other page) goes to the network untouched.
//
// Network first: online, the page is always fresh and the kept copy is renewed; offline, the
// copy kept today is shown. Copies are kept for the day they were opened only, and the page
// deletes them all on sign-out (observation-outbox.js). The outbox itself is in the page's
// storage, not here, so a new version of this worker keeps it.
"use strict";

var PAGES = "workspace-observe-pages";
var OBSERVE = /^\/p\/\d+\/trios\/\d+\/lessons\/\d+\/observe$/;

function today() {
  return new Date().toDateString();
}

function keptToday(response) {
  var date = response && response.headers.get("Date");
  return date && new Date(date).toDateString() === today();
}

// Yesterday's pages go: they hold pupil notes nobody is still taking.
function dropOldCopies() {
  return caches.open(PAGES).then(function (cache) {
    return cache.keys().then(function (requests) {
      return Promise.all(requests.map(function (request) {
        return cache.match(request).then(function (response) {
          return keptToday(response) ? null : cache.delete(request);
        });
      }));
    });
  });
}

// A message for the moment it came ("Your observation has been deleted.", shown once after the
// deletion) is not kept with the copy: opened again in a dead spot, the page would say it again.
// The base template marks it (data-flash); its messages are paragraphs, no div inside.
var FLASH = /<div class="notice" role="status" data-flash>[\s\S]*?<\/div>\s*/;

function withoutFlash(response) {
  return response.text().then(function (html) {
    var headers = new Headers(response.headers);
    headers.delete("Content-Length");
    return new Response(html.replace(FLASH, ""), {
      status: response.status,
      statusText: response.statusText,
      headers: headers,
    });
  });
}

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(dropOldCopies());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  var page = request.mode === "navigate" && OBSERVE.test(url.pathname);
  if (!page && url.pathname.indexOf("/static/") !== 0) {
    return;
  }
  event.respondWith(
    fetch(request)
      .then(function (response) {
        if (page && response.ok && !response.redirected) {
          var copy = response.clone();
          withoutFlash(copy)
            .then(function (kept) {
              return caches.open(PAGES).then(function (cache) { return cache.put(request.url, kept); });
            })
            .catch(function () { /* storage full or refused: the last copy stays */ });
        }
        return response;
      })
      .catch(function () {
        return caches.open(PAGES).then(function (cache) {
          return cache.match(request.url, { ignoreVary: true }).then(function (kept) {
            if (kept && (!page || keptToday(kept))) {
              return kept;
            }
            return Response.error();
          });
        });
      })
  );
});
