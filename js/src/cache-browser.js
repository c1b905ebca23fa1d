// The model cache of browsers: the Cache API, one entry per URL, with the
// validators (ETag, Last-Modified) and the checked sha256 kept as headers of
// the stored response.
export const CACHE_NAME = 'indorerank-models-v1';

const META_HEADERS = { etag: 'etag', lastModified: 'last-modified', sha256: 'x-indorerank-sha256', from: 'x-indorerank-from' };

/** @returns {Promise<import('./source.js').ModelStore | null>} null where there is no usable Cache API */
export async function openBrowserStore() {
  if (typeof caches === 'undefined') return null;
  let cache;
  try {
    cache = await caches.open(CACHE_NAME);
  } catch {
    return null; // storage can be unavailable (private mode, quota): download instead
  }
  return {
    async get(url) {
      let hit;
      try {
        hit = await cache.match(url);
      } catch {
        return null;
      }
      if (!hit) return null;
      const meta = {};
      for (const [k, h] of Object.entries(META_HEADERS)) if (hit.headers.get(h)) meta[k] = hit.headers.get(h);
      // Ranges come from the stored body as a Blob, which browsers keep on
      // disk: a few blocks of a large part are read without the rest.
      let blob = null;
      const readRange = async (begin, end) => {
        blob ??= await hit.clone().blob();
        return new Uint8Array(await blob.slice(begin, end).arrayBuffer());
      };
      return { meta, response: () => hit, readRange };
    },

    // The stored response's body is fed chunk by chunk as the download runs;
    // commit() ends it (the entry appears), abort() errors it (nothing is stored).
    begin(url, meta, total) {
      let controller;
      const body = new ReadableStream({ start(c) { controller = c; } });
      const headers = { 'content-type': 'application/octet-stream' };
      for (const [k, h] of Object.entries(META_HEADERS)) if (meta[k]) headers[h] = meta[k];
      if (total != null) headers['content-length'] = String(total);
      const stored = cache.put(url, new Response(body, { headers })).then(() => true, () => false);
      return {
        write: (chunk) => controller.enqueue(chunk),
        commit: async () => { controller.close(); return stored; },
        abort: async () => { controller.error(new Error('download failed')); await stored; },
      };
    },

    async remove(url) {
      try { await cache.delete(url); } catch { /* nothing to remove */ }
    },
  };
}

/** Removes every model this package stored in the Cache API. */
export async function clearBrowserCache() {
  if (typeof caches !== 'undefined') await caches.delete(CACHE_NAME);
}
