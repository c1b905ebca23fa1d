// Model sources: URL, path (Node), ArrayBuffer / typed array, Blob or
// Response, read as a stream of chunks with progress. URLs go through the
// platform's model cache (the Cache API in browsers, a folder in Node).
import { IndorerankError } from './errors.js';
import { isRepoId, openHubModel } from './hub.js';

/**
 * @typedef {{ total: number | null, chunks: AsyncIterable<Uint8Array>, cachedPath?: () => Promise<string | null> }} OpenedSource
 *   cachedPath (Node): where the model cache keeps the file, once the chunks were read
 * @typedef {{ readPath?: (path: string) => Promise<OpenedSource>, isPath?: (s: string) => boolean,
 *             baseUrl?: string, openStore?: (options: object) => Promise<ModelStore | null>,
 *             hasher: () => { update(c: Uint8Array): void, hex(): string | Promise<string> } }} SourcePlatform
 */

/** True for what load() accepts as a source. */
export function isSource(source) {
  return typeof source === 'string' || source instanceof URL || source instanceof ArrayBuffer ||
    ArrayBuffer.isView(source) || (typeof Blob !== 'undefined' && source instanceof Blob) ||
    (typeof Response !== 'undefined' && source instanceof Response);
}

/** Describes a source for error messages, without its bytes. */
export function describeSource(source) {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  if (typeof Response !== 'undefined' && source instanceof Response) return source.url || 'a Response';
  return 'the given bytes';
}

async function* single(bytes) { yield bytes; }

async function* fromStream(stream) {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function fromResponse(res, what) {
  if (!res.ok) {
    const gone = res.status === 404 || res.status === 410;
    throw new IndorerankError(`could not fetch ${what}: HTTP ${res.status} ${res.statusText}`.trim(), gone ? 'not_found' : 'fetch_failed');
  }
  const len = Number(res.headers.get('content-length'));
  // A compressed transfer reports the compressed length: only trust it when identity-encoded.
  const encoded = res.headers.get('content-encoding');
  const total = Number.isFinite(len) && len > 0 && (!encoded || encoded === 'identity') ? len : null;
  if (!res.body) return { total, chunks: (async function* () { yield new Uint8Array(await res.arrayBuffer()); })() };
  return { total, chunks: fromStream(res.body) };
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
 * @typedef {{ meta: EntryMeta, open?: () => OpenedSource, response?: () => Response }} StoreEntry
 * @typedef {{ get(url: string): Promise<StoreEntry | null>,
 *             begin(url: string, meta: EntryMeta, total: number | null): { write(c: Uint8Array): unknown, commit(): Promise<boolean>, abort(): Promise<void> },
 *             remove(url: string): Promise<void> }} ModelStore
 */

const openEntry = (entry, url) => (entry.open ? entry.open() : fromResponse(entry.response(), url));

// URLs whose cached copy is known current in this page (or process): the
// server is asked once, not on every load (a thread toggle reloads the model).
const current = new Set();

/**
 * A URL, through the platform's model cache: a cached copy is revalidated
 * with its ETag / Last-Modified (a 304 reuses it), used as is when the
 * server cannot be reached, and replaced when the server sends a new file. A
 * download the server gave a sha256 for is checked before it is kept.
 */
export async function openUrl(url, options, platform) {
  const store = options.cache !== false && /^https?:/.test(url) && platform.openStore ? await platform.openStore(options) : null;
  const entry = store ? await store.get(url) : null;
  if (entry && (current.has(url) || options.revalidate === false)) return openEntry(entry, url);
  const headers = {};
  if (entry?.meta.etag) headers['if-none-match'] = entry.meta.etag;
  else if (entry?.meta.lastModified) headers['if-modified-since'] = entry.meta.lastModified;
  let res;
  try {
    res = await fetch(url, { headers, cache: 'no-store' });
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
        if (e instanceof IndorerankError) throw e;
        throw new IndorerankError(`the download of ${url} broke off after ${received} bytes: ${e && e.message ? e.message : e}`, 'fetch_failed');
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
  return { total: opened.total, chunks: checked(), cachedPath: async () => (store ? (await store.get(url))?.path ?? null : null) };
}

/**
 * Opens `source` for reading.
 * @param {unknown} source
 * @param {{ cache?: boolean }} options
 * @param {SourcePlatform} platform
 * @returns {Promise<OpenedSource>}
 */
export async function openSource(source, options, platform) {
  if (source instanceof ArrayBuffer) return { total: source.byteLength, chunks: single(new Uint8Array(source)) };
  if (ArrayBuffer.isView(source)) {
    const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return { total: bytes.byteLength, chunks: single(bytes) };
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) return { total: source.size, chunks: fromStream(source.stream()) };
  if (typeof Response !== 'undefined' && source instanceof Response) return fromResponse(source, describeSource(source));
  const text = source instanceof URL ? source.href : source;
  if (typeof text === 'string') {
    // "owner/name" is a hub repo, unless (Node) a file of that name exists.
    if (isRepoId(text) && !(platform.pathExists && (await platform.pathExists(text)))) return openHubModel(text, options, platform);
    if (platform.isPath && platform.isPath(text)) return platform.readPath(text);
    const url = platform.baseUrl ? new URL(text, platform.baseUrl).href : text;
    return openUrl(url, options, platform);
  }
  throw new TypeError('source must be a URL, a path, an ArrayBuffer, a typed array, a Blob or a Response');
}

/** Wraps chunks so onProgress(loaded, total) follows every chunk. */
export async function* withProgress(opened, onProgress) {
  let loaded = 0;
  for await (const chunk of opened.chunks) {
    loaded += chunk.byteLength;
    if (onProgress) onProgress(loaded, opened.total ?? loaded);
    yield chunk;
  }
}

/** Reads a whole source into one Uint8Array. */
export async function readAll(opened, onProgress) {
  const parts = [];
  let n = 0;
  for await (const c of withProgress(opened, onProgress)) { parts.push(c); n += c.byteLength; }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of parts) { out.set(c, o); o += c.byteLength; }
  return out;
}

