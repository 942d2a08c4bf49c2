/* Tepai's phone page worker: keeps the page's shell so that /m/ opens with no network.
 * Rendered by frontend.mobile.service_worker; SHELL.version changes whenever a cached file does.
 *
 * - The page and the JavaScript catalogue: from the network when it answers (they follow the
 *   chosen language and the signed-in person), else the last copy. A slow network gets
 *   NAVIGATION_TIMEOUT_MS before the copy is shown; the network's answer still refreshes it.
 * - Static files of the shell (style sheets, the icon, the page's entry module and every module it
 *   imports: frontend/mobile.py's SHELL_STATIC): from the cache of this version, fetched when missing.
 * - The API, sign-in and anything else: never answered here. Writes always reach the server; the
 *   page keeps its own copy of what it read (IndexedDB).
 */
"use strict";

const SHELL = {{ shell|safe }};
const CACHE = "tepai-mobile-" + SHELL.version;
const CACHE_PREFIX = "tepai-mobile-";
const NAVIGATION_TIMEOUT_MS = 4000;

function pathOf(request) {
  const url = new URL(request.url);
  return url.origin === self.location.origin ? url.pathname : null;
}

function cacheable(response) {
  // Not a redirect to the sign-in page, not an error page, not someone else's opaque answer.
  return response && response.ok && !response.redirected && response.type === "basic";
}

async function put(key, response) {
  const cache = await caches.open(CACHE);
  await cache.put(key, response);
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SHELL.static);
    // The page and catalogue need the session; a worker installed while signed out still caches
    // the static files, and the page is cached the next time it is opened.
    await Promise.all([SHELL.page, SHELL.catalogue].map(async (url) => {
      try {
        const response = await fetch(url, {credentials: "same-origin", cache: "no-store"});
        if (cacheable(response)) {
          await cache.put(url, response);
        }
      } catch (error) {
        // Offline while installing: the page is cached on its next visit.
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE).map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

/* The network's answer (kept for next time), else after a timeout or a failure the cached copy. */
function networkFirst(event, key) {
  const fromNetwork = fetch(event.request).then((response) => {
    if (cacheable(response)) {
      const copy = response.clone();
      event.waitUntil(put(key, copy));
    }
    return response;
  });
  const fromCache = () => caches.open(CACHE).then((cache) => cache.match(key, {ignoreSearch: true, ignoreVary: true}));
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (response) => {
      if (!settled && response) {
        settled = true;
        resolve(response);
      }
      return Boolean(response);
    };
    const timer = setTimeout(() => fromCache().then(finish), NAVIGATION_TIMEOUT_MS);
    fromNetwork.then((response) => {
      clearTimeout(timer);
      finish(response);
    }, async (error) => {
      clearTimeout(timer);
      if (!finish(await fromCache())) {
        settled = true;
        reject(error);
      }
    });
  });
}

async function cacheFirst(event, key) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key, {ignoreVary: true});
  if (cached) {
    return cached;
  }
  const response = await fetch(event.request);
  if (cacheable(response)) {
    event.waitUntil(cache.put(key, response.clone()));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const path = pathOf(request);
  if (request.method !== "GET" || path === null || SHELL.bypass.some((prefix) => path.startsWith(prefix))) {
    return;
  }
  if (path === SHELL.page && request.mode === "navigate") {
    event.respondWith(networkFirst(event, SHELL.page));
  } else if (path === SHELL.catalogue) {
    event.respondWith(networkFirst(event, SHELL.catalogue));
  } else if (SHELL.static.includes(path)) {
    event.respondWith(cacheFirst(event, path));
  }
});
