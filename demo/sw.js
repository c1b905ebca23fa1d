// Service worker: keeps the demo's own files (page, scripts, the package's
// modules and wasm, the default collection, model.json) so a reload works
// offline. Network first, so a running server always serves fresh files; the
// kept copy answers when the network fails. The model file itself is left to
// the package, which keeps it in the Cache API.
const CACHE = 'indorerank-demo-v1';
const SHELL = ['./', './style.css', './app.js', './engine-client.js', './render.js', './offline.js', './split.js'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith('indorerank-demo-') && name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

const scope = new URL(self.registration.scope);

function keep(request) {
  if (request.method !== 'GET' || request.headers.has('range')) return false;
  const url = new URL(request.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return false;
  const modelDir = `${scope.pathname}model/`;
  return !url.pathname.startsWith(modelDir) || url.pathname === `${modelDir}model.json`;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(request);
    if (res.ok) {
      await cache.put(request, res.clone());
      return res;
    }
    return (await cache.match(request, { ignoreSearch: true })) ?? res;
  } catch (e) {
    const kept = await cache.match(request, { ignoreSearch: true });
    if (kept) return kept;
    throw e;
  }
}

self.addEventListener('fetch', (event) => {
  if (keep(event.request)) event.respondWith(networkFirst(event.request));
});
