// Service worker of the scanner pages, served at /scan/sw.js with scope /scan/: attendance
// (/scan/<session>/) and hand-out (/scan/handout/<material>/), whose rosters are under /api/.
//
// It keeps the app shell so that the scanner page reloads with no network. It cannot know
// the (hashed) static URLs itself, so the page sends them in a message on every load:
// {type: "precache", urls, copies}. `urls` are the exact URLs the page loaded; each one
// missing from the cache is fetched, which the browser's HTTP cache answers (hashed static
// files are cached for a year), so nothing is downloaded twice. `copies` are answers the
// page already holds and the server marks no-store — the page itself and its roster —
// as {url, body, type}; each one missing from the cache is stored as it is.
// Scans are never handled here: POSTs go straight to the network and the page's
// IndexedDB queue retries them.
//
// Strategies:
//   page navigations, GET /api/…  network first (with a timeout for "lie-fi"), cache fallback
//   anything already cached       cache first, refreshed in the background (static files)
//   everything else               not touched
"use strict";

const CACHE = "scanner-v2"; // bump to drop every cached copy on the next visit
const PAGE_TIMEOUT_MS = 5000;
const API_TIMEOUT_MS = 8000;
const MATCH = { ignoreVary: true }; // Django varies on Cookie; the same user reloads the page

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("scanner-") && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim(); // control the open page now, not after its next reload
  })());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "precache" || !Array.isArray(data.urls)) return;
  const copies = Array.isArray(data.copies) ? data.copies : [];
  event.waitUntil(precache(data.urls, copies).then((report) => {
    const shell = data.urls.length > 0; // the whole list, not a late copy on its own
    if (event.source) event.source.postMessage(Object.assign({ type: "precached", shell }, report));
  }));
});

// A response worth keeping: a real, same-origin 200, not a login page we were redirected to.
function cacheable(response) {
  return Boolean(response) && response.ok && response.type === "basic" && !response.redirected;
}

async function precache(urls, copies) {
  const cache = await caches.open(CACHE);
  const cached = [];
  const failed = [];
  await Promise.all(copies.map(async (copy) => {
    const url = new URL(copy.url, self.location.href);
    if (url.origin !== self.location.origin || typeof copy.body !== "string") return;
    if (!(await cache.match(url.href, MATCH))) {
      await cache.put(url.href, new Response(copy.body, { headers: { "Content-Type": String(copy.type) } }));
    }
    cached.push(url.href);
  }));
  await Promise.all(urls.map(async (raw) => {
    const url = new URL(raw, self.location.href);
    if (url.origin !== self.location.origin) return;
    try {
      // Already there: the runtime strategies below keep it fresh, no need to spend 3G on it.
      if (!(await cache.match(url.href, MATCH))) {
        const response = await fetch(url.href, { credentials: "same-origin" });
        if (!cacheable(response)) throw new Error(String(response.status));
        await cache.put(url.href, response);
      }
      cached.push(url.href);
    } catch (error) {
      failed.push(url.href);
    }
  }));
  return { cached, failed };
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); });
  });
}

// A copy from the cache, marked so that the page can tell it is not fresh from the server.
function marked(response) {
  const headers = new Headers(response.headers);
  headers.set("X-Scanner-Fallback", "1");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(event, PAGE_TIMEOUT_MS, false));
  } else if (url.pathname.startsWith("/api/")) {
    event.respondWith(networkFirst(event, API_TIMEOUT_MS, true));
  } else {
    event.respondWith(cacheFirst(event));
  }
});

async function networkFirst(event, timeoutMs, markFallback) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(async (response) => {
    if (cacheable(response)) await cache.put(request, response.clone());
    return response;
  });
  // A slow answer that arrives after the timeout still refreshes the cache for next time.
  event.waitUntil(network.catch(() => {}));
  try {
    const response = await withTimeout(network, timeoutMs);
    if (response.status < 500) return response;
    throw new Error(String(response.status)); // server down behind a proxy: use the copy
  } catch (error) {
    const copy = await cache.match(request, MATCH);
    if (copy) return markFallback ? marked(copy) : copy;
    return network; // nothing saved: wait for the network after all, or fail as usual
  }
}

async function cacheFirst(event) {
  const request = event.request;
  const cache = await caches.open(CACHE);
  const copy = await cache.match(request, MATCH);
  if (!copy) return fetch(request); // not part of the scanner's shell
  event.waitUntil(fetch(request).then((response) => {
    if (cacheable(response)) return cache.put(request, response);
  }).catch(() => {}));
  return copy;
}
