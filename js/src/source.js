// Model sources: URL, path (Node), ArrayBuffer / typed array, Blob or
// Response, read as a stream of chunks with progress. URLs may be served from
// and stored in the browser Cache API.
import { IndorerankError } from './errors.js';

const CACHE_NAME = 'indorerank-models-v1';

/**
 * @typedef {{ total: number | null, chunks: AsyncIterable<Uint8Array> }} OpenedSource
 * @typedef {{ readPath?: (path: string) => Promise<OpenedSource>,
 *             isPath?: (s: string) => boolean, baseUrl?: string }} SourcePlatform
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
  if (!res.ok) throw new IndorerankError(`could not fetch ${what}: HTTP ${res.status} ${res.statusText}`.trim(), 'fetch_failed');
  const len = Number(res.headers.get('content-length'));
  // A compressed transfer reports the compressed length: only trust it when identity-encoded.
  const encoded = res.headers.get('content-encoding');
  const total = Number.isFinite(len) && len > 0 && (!encoded || encoded === 'identity') ? len : null;
  if (!res.body) return { total, chunks: (async function* () { yield new Uint8Array(await res.arrayBuffer()); })() };
  return { total, chunks: fromStream(res.body) };
}

async function openUrl(url, { cache }) {
  const useCache = cache !== false && typeof caches !== 'undefined' && /^https?:/.test(url);
  let store = null;
  if (useCache) {
    try {
      store = await caches.open(CACHE_NAME);
      const hit = await store.match(url);
      if (hit) return fromResponse(hit, url);
    } catch {
      store = null; // storage can be unavailable (private mode, quota): fetch instead
    }
  }
  let res;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new IndorerankError(`could not fetch ${url}: ${e && e.message ? e.message : e}`, 'fetch_failed');
  }
  if (!store || !res.ok) return fromResponse(res, url);
  // The cache gets its own copy of the stream (cloned before the body is
  // read); the load finishes once it is stored, so a reload finds it, and a
  // failure to store loses nothing.
  const stored = store.put(url, res.clone()).catch(() => {});
  const opened = fromResponse(res, url);
  return { total: opened.total, chunks: (async function* () { yield* opened.chunks; await stored; })() };
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
    if (platform.isPath && platform.isPath(text)) return platform.readPath(text);
    const url = platform.baseUrl ? new URL(text, platform.baseUrl).href : text;
    return openUrl(url, options);
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

/** Removes every model this package stored in the browser Cache API. */
export async function clearCache() {
  if (typeof caches !== 'undefined') await caches.delete(CACHE_NAME);
}
