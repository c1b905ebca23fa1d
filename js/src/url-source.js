// Models from http(s) URLs, through the platform's model cache (the Cache API
// in browsers, a folder in Node): revalidation, offline reuse, sha256 checks.
import { IndorerankError } from './errors.js';
import { fromStream } from './streams.js';

/**
 * @typedef {import('./source.js').OpenedSource} OpenedSource
 * @typedef {import('./source.js').SourcePlatform} SourcePlatform
 */

export function fromResponse(res, what) {
  if (!res.ok) {
    const gone = res.status === 404 || res.status === 410;
    throw new IndorerankError(`could not fetch ${what}: HTTP ${res.status} ${res.statusText}`.trim(), gone ? 'not_found' : 'fetch_failed');
  }
  const len = Number(res.headers.get('content-length'));
  // A compressed transfer reports the compressed length: only trust it when identity-encoded.
  const encoded = res.headers.get('content-encoding');
  const total = Number.isFinite(len) && len > 0 && (!encoded || encoded === 'identity') ? len : null;
  if (!res.body) return { total, chunks: (async function* () { yield new Uint8Array(await res.arrayBuffer()); })() };
  return { total, chunks: fromStream(res.body, what) };
}

/** A sha256 the server vouches for: a hub's X-Linked-Etag, or an ETag of 64 hex digits. */
export function announcedSha256(headers) {
  for (const h of ['x-linked-etag', 'etag']) {
    const v = (headers.get(h) || '').replace(/^W\//, '').replace(/"/g, '').toLowerCase();
    if (/^[0-9a-f]{64}$/.test(v)) return v;
  }
  return null;
}

/**
 * @typedef {{ etag?: string, lastModified?: string, sha256?: string }} EntryMeta
 * @typedef {{ meta: EntryMeta & { from?: string }, open?: () => OpenedSource, response?: () => Response, path?: string }} StoreEntry
 * @typedef {{ get(url: string): Promise<StoreEntry | null>,
 *             begin(url: string, meta: EntryMeta, total: number | null): { write(c: Uint8Array): unknown, commit(): Promise<boolean>, abort(): Promise<void> },
 *             remove(url: string): Promise<void> }} ModelStore
 */

/** A cached entry as an opened source (with its validators; fromCache marks it). */
export function openEntry(entry, url) {
  return { ...(entry.open ? entry.open() : fromResponse(entry.response(), url)), meta: entry.meta, fromCache: true };
}

// URLs whose cached copy is known current in this page (or process): the
// server is asked once, not on every load (a thread toggle reloads the model).
const current = new Set();

/**
 * A URL, through the platform's model cache: a cached copy is revalidated
 * with its ETag / Last-Modified (a 304 reuses it), used as is when the
 * server cannot be reached, and replaced when the server sends a new file. A
 * download the server gave a sha256 for is checked before it is kept.
 * `response`: the answer to a plain request already made (no cache lookup).
 */
export async function openUrl(url, options, platform, response = null) {
  const store = options.cache !== false && /^https?:/.test(url) && platform.openStore ? await platform.openStore(options) : null;
  const entry = store && !response ? await store.get(url) : null;
  if (entry && (current.has(url) || options.revalidate === false)) return openEntry(entry, url);
  const headers = {};
  if (entry?.meta.etag) headers['if-none-match'] = entry.meta.etag;
  else if (entry?.meta.lastModified) headers['if-modified-since'] = entry.meta.lastModified;
  let res = response; // (a response already fetched without validators: use it)
  try {
    res ??= await fetch(url, { headers, cache: 'no-store' });
  } catch (e) {
    if (entry) return openEntry(entry, url); // offline: the cached copy
    throw new IndorerankError(`could not fetch ${url}: ${e && e.message ? e.message : e}`, 'fetch_failed');
  }
  if (entry && (res.status === 304 || res.status >= 500)) {
    res.body?.cancel().catch(() => {});
    if (res.status === 304) current.add(url);
    return openEntry(entry, url); // unchanged, or the server is down
  }
  const opened = fromResponse(res, url);
  const sha256 = announcedSha256(res.headers);
  const meta = { etag: res.headers.get('etag') ?? undefined, lastModified: res.headers.get('last-modified') ?? undefined, sha256: sha256 ?? undefined };
  const hasher = sha256 ? platform.hasher() : null;
  let writer = store ? store.begin(url, meta, opened.total) : null;
  const write = async (chunk) => {
    if (!writer) return;
    try { await writer.write(chunk); } catch { const w = writer; writer = null; await w.abort(); } // a cache that fails loses nothing but the copy
  };
  async function* checked() {
    let ok = false;
    try {
      let received = 0;
      try {
        for await (const chunk of opened.chunks) {
          received += chunk.byteLength;
          hasher?.update(chunk);
          await write(chunk);
          yield chunk;
        }
      } catch (e) {
        // A broken stream (fromStream's fetch_failed, or anything else): say where and when.
        if (e instanceof IndorerankError && !(e.code === 'fetch_failed' && e.cause)) throw e;
        const why = e?.cause?.message ?? e?.message ?? String(e);
        throw new IndorerankError(`the download of ${url} broke off after ${received} bytes: ${why}`, 'fetch_failed');
      }
      if (opened.total != null && received !== opened.total) {
        throw new IndorerankError(`the download of ${url} ended after ${received} of ${opened.total} bytes`, 'fetch_failed');
      }
      if (hasher) {
        const got = await hasher.hex();
        if (got !== sha256) {
          throw new IndorerankError(`${url}: checksum mismatch (sha256 ${got}, the server says ${sha256}); nothing was kept`, 'data_loss');
        }
      }
      ok = true;
      // The load finishes once the copy is stored, so a reload finds it.
      if (writer && (await writer.commit())) current.add(url);
    } finally {
      if (!ok && writer) await writer.abort();
    }
  }
  return {
    total: opened.total, chunks: checked(), meta, fromCache: false,
    cachedPath: async () => (store ? (await store.get(url))?.path ?? null : null),
  };
}
