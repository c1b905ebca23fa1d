// Model files by byte range (HTTP Range): the head (tokenizer, encoder) first,
// then the embedding blocks each call needs, each range kept in the model
// cache; after the first results the rest of the table is fetched in large
// ranges in the background, so the model then works offline. A server that
// ignores Range, or a file without blocks, makes open() return null: the
// caller loads the file whole.
import { IndorerankError } from './errors.js';
import { openEntry } from './url-source.js';
import { readAll } from './streams.js';

const PROBE_BYTES = 1 << 16;
const GAP_BLOCKS = 2; // missing blocks this close share one request (the blocks between come too)
const MAX_RANGE_BLOCKS = 2048; // one request, and one cache part, holds at most this many blocks
const PARALLEL = 16; // HTTP/2 serves these on one connection; HTTP/1.1 browsers queue past 6

// URLs whose cached parts are known current in this page (or process): the
// server is asked once, not on every load (a thread toggle reloads the model).
const validated = new Set();
// Cache writes still running, per URL: a new load of the URL reads the cache after them.
const writing = new Map();

/** The cache key of one part of a model file: its head, a range of blocks or the index. */
function partKey(url, name) {
  const u = new URL(url);
  u.searchParams.set('indorerank-part', name);
  return u.href;
}

/** Runs `fn` over `items`, at most `n` at once; rejects with the first error. */
async function pool(items, n, fn) {
  let next = 0;
  const worker = async () => { while (next < items.length) { const i = next++; await fn(items[i], i); } };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
}

/** Consecutive runs of sorted block indices, joined across gaps of up to `gap` blocks, at most `max` long. */
export function blockRanges(blocks, gap, max) {
  const out = [];
  for (const b of blocks) {
    const last = out[out.length - 1];
    if (last && b - (last[0] + last[1]) <= gap && b + 1 - last[0] <= max) last[1] = b + 1 - last[0];
    else out.push([b, 1]);
  }
  return out;
}

class Network {
  constructor(url, validator) {
    this.url = url;
    this.validator = validator; // If-Range: the bytes must all come from one version of the file
  }

  /** File bytes [begin, end), exactly, or an IndorerankError; onProgress(received) as they come. */
  async read(begin, end, onProgress) {
    const headers = { range: `bytes=${begin}-${end - 1}` };
    if (this.validator) headers['if-range'] = this.validator;
    let res;
    try {
      res = await fetch(this.url, { headers, cache: 'no-store' });
    } catch (e) {
      throw new IndorerankError(`could not fetch bytes ${begin}-${end - 1} of ${this.url}: ${e?.message ?? e}`, 'fetch_failed');
    }
    if (res.status !== 206) {
      res.body?.cancel().catch(() => {});
      const why = res.status === 200 ? 'the file changed on the server, or it stopped answering range requests; load the model again'
        : `HTTP ${res.status}`;
      const e = new IndorerankError(`could not fetch bytes ${begin}-${end - 1} of ${this.url}: ${why}`, res.status === 200 ? 'data_loss' : 'fetch_failed');
      e.changed = res.status === 200;
      throw e;
    }
    const cr = /^bytes (\d+)-(\d+)\//.exec(res.headers.get('content-range') ?? '');
    if (!cr || Number(cr[1]) !== begin || Number(cr[2]) !== end - 1) {
      res.body?.cancel().catch(() => {});
      throw new IndorerankError(`${this.url} answered bytes ${begin}-${end - 1} with ${res.headers.get('content-range')}`, 'data_loss');
    }
    const bytes = new Uint8Array(end - begin);
    let got = 0;
    try {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (got + value.byteLength > bytes.byteLength) throw new Error('the server sent more bytes than it announced');
        bytes.set(value, got);
        got += value.byteLength;
        onProgress?.(got);
      }
    } catch (e) {
      throw new IndorerankError(`the download of bytes ${begin}-${end - 1} of ${this.url} broke off after ${got} bytes: ${e?.message ?? e}`, 'fetch_failed');
    }
    if (got !== bytes.byteLength) {
      throw new IndorerankError(`the download of bytes ${begin}-${end - 1} of ${this.url} ended after ${got} bytes`, 'fetch_failed');
    }
    return bytes;
  }
}

/**
 * A model file read in parts. `layout` as the core reports it (headBytes,
 * fileBytes, blockRows, blocks, rowBytes).
 */
export class RangedModel {
  constructor(url, store, net, layout, index) {
    this.url = url;
    this.store = store;
    this.net = net; // null when offline: only cached parts can be read
    this.layout = layout;
    this.index = index; // what the cache holds: { etag, lastModified, fileBytes, parts: [[first, count]...], head }
    this.saving = Promise.resolve();
    this.fetchedBytes = 0; // from the network, this session
    this.filling = null;
    this.stopped = false;
  }

  /** Ends a prefetch in progress after its current range (the reranker is gone). */
  stop() {
    this.stopped = true;
  }

  /**
   * Opens `url` by range. `readLayout(bytes)` is the core's read_layout.
   * @returns {Promise<{ model?: RangedModel, head?: Uint8Array, whole?: Response } | null>}
   *   null: load the file whole; whole: the server sent all of it (no Range support), read that
   */
  static async open(url, options, platform, readLayout) {
    const store = options.cache !== false && platform.openStore ? await platform.openStore(options) : null;
    await writing.get(url);
    if (store && (await store.get(url))) return null; // a whole copy is cached: the whole path revalidates it
    const cached = store ? await getJson(store, partKey(url, 'index')) : null;
    if (cached?.head && (validated.has(url) || options.revalidate === false)) {
      // Known current: no request until a call needs a block the cache lacks.
      const head = await getPart(store, partKey(url, 'head'));
      const layout = head ? await readLayout(head).catch(() => null) : null; // (a damaged copy: asked again below)
      if (layout?.headBytes === head?.byteLength) {
        const net = new Network(url, cached.etag && !cached.etag.startsWith('W/') ? cached.etag : cached.lastModified);
        return { model: new RangedModel(url, store, net, layout, cached), head, headFromCache: true };
      }
    }
    let res = null;
    try {
      res = await fetch(url, { headers: { range: `bytes=0-${PROBE_BYTES - 1}` }, cache: 'no-store' });
    } catch (e) {
      if (!cached?.head) throw new IndorerankError(`could not fetch ${url}: ${e?.message ?? e}`, 'fetch_failed');
    }
    if (res && res.status === 200) return { whole: res }; // no Range support: the whole file it is
    if (res && res.status !== 206) {
      res.body?.cancel().catch(() => {});
      if (!cached?.head || res.status < 500) {
        const gone = res.status === 404 || res.status === 410;
        throw new IndorerankError(`could not fetch ${url}: HTTP ${res.status} ${res.statusText}`.trim(), gone ? 'not_found' : 'fetch_failed');
      }
      res = null; // the server is down: the cached copy
    }
    if (!res) { // offline
      const head = await getPart(store, partKey(url, 'head'));
      if (!head) throw new IndorerankError(`could not fetch ${url}, and its cached copy is incomplete`, 'fetch_failed');
      const model = new RangedModel(url, store, null, await readLayout(head), cached);
      return { model, head };
    }

    const total = Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1]);
    const etag = res.headers.get('etag') ?? undefined, lastModified = res.headers.get('last-modified') ?? undefined;
    const strong = etag && !etag.startsWith('W/') ? etag : undefined;
    const net = new Network(url, strong ?? lastModified);
    let prefix = new Uint8Array(await res.arrayBuffer());
    let layout = await readLayout(prefix);
    if (!layout.headBytes) {
      prefix = concat(prefix, await net.read(prefix.byteLength, layout.headerBytes));
      layout = await readLayout(prefix);
    }
    if (!layout.blockRows || layout.fileBytes !== total) return null; // an older file: whole (fetched again)

    validated.add(url);
    let index = cached;
    if (index && (index.etag !== etag || index.lastModified !== lastModified || index.fileBytes !== total)) {
      await removeParts(store, url, index); // the file changed
      index = null;
    }
    index ??= { etag, lastModified, fileBytes: total, head: false, parts: [] };
    const model = new RangedModel(url, store, net, layout, index);
    const head = index.head ? await getPart(store, partKey(url, 'head')) : null;
    if (head && head.byteLength === layout.headBytes) return { model, head, headFromCache: true };
    return { model, head: await model.fetchHead(prefix, options.onProgress) };
  }

  /** The head from the network (after `prefix`, its first bytes, when given), then into the cache. */
  async fetchHead(prefix, onProgress) {
    const l = this.layout;
    prefix ??= new Uint8Array(0);
    onProgress?.(prefix.byteLength, l.headBytes);
    const rest = await this.net.read(prefix.byteLength, l.headBytes, (n) => onProgress?.(prefix.byteLength + n, l.headBytes));
    const head = concat(prefix, rest);
    this.fetchedBytes += l.headBytes;
    this.keep('head', head, () => { this.index.head = true; }); // (the load does not wait for the cache)
    return head;
  }

  /** File bytes [begin, end) of blocks [first, first + count). */
  span(first, count) {
    const l = this.layout, bb = l.blockRows * l.rowBytes;
    return [l.headBytes + first * bb, Math.min(l.fileBytes, l.headBytes + (first + count) * bb)];
  }

  /** The cached part holding block b, if any. */
  partOf(b) {
    return this.index.parts.find(([f, n]) => b >= f && b < f + n) ?? null;
  }

  /**
   * The bytes of `blocks` (sorted indices) and of blocks between them, as
   * runs { first, bytes }: from the cache where it has them, else from the network.
   */
  async read(blocks, onRun) {
    const fromCache = new Map(), missing = [];
    for (const b of blocks) {
      const part = this.partOf(b);
      if (part) { const k = part.join('-'); if (!fromCache.has(k)) fromCache.set(k, { part, blocks: [] }); fromCache.get(k).blocks.push(b); } else missing.push(b);
    }
    for (const { part, blocks: bs } of fromCache.values()) {
      // A part the store lost or that fails the core's checks is dropped and fetched again.
      try {
        const entry = await this.store.get(partKey(this.url, `blocks-${part[0]}-${part[1]}`));
        if (!entry) throw new IndorerankError('evicted', 'not_found');
        for (const [first, count] of blockRanges(bs, GAP_BLOCKS, MAX_RANGE_BLOCKS)) {
          const [pb] = this.span(part[0], 0);
          const [b0, b1] = this.span(first, count);
          await onRun(first, await readEntryRange(entry, b0 - pb, b1 - pb));
        }
      } catch (e) {
        if (e?.code === 'disposed') throw e;
        await this.forget(part);
        missing.push(...bs);
      }
    }
    if (!missing.length) return;
    if (!this.net) throw new IndorerankError(`${this.url}: the server cannot be reached and ${missing.length} embedding blocks this call needs are not cached`, 'fetch_failed');
    missing.sort((a, b) => a - b);
    await pool(blockRanges(missing, GAP_BLOCKS, MAX_RANGE_BLOCKS), PARALLEL, async ([first, count]) => {
      const [b0, b1] = this.span(first, count);
      const bytes = await this.fetch(b0, b1);
      this.fetchedBytes += bytes.byteLength;
      await onRun(first, bytes);
      // Stored in the background, in order (the call does not wait for the cache).
      this.keep(`blocks-${first}-${count}`, bytes, () => this.index.parts.push([first, count]));
    });
  }

  /** True once every block is in the cache. */
  get complete() {
    const parts = [...this.index.parts].sort((a, b) => a[0] - b[0]);
    let next = 0;
    for (const [f, n] of parts) { if (f > next) return false; next = Math.max(next, f + n); }
    return !!this.store && next >= this.layout.blocks;
  }

  /**
   * Fetches every block not cached yet, in ranges of MAX_RANGE_BLOCKS, into
   * the cache (not into WebAssembly memory). Before each range it awaits
   * `gate()`, so calls that need blocks go first.
   */
  fill(gate = async () => {}) {
    if (!this.store || !this.net) return Promise.resolve(false);
    this.filling ??= (async () => {
      const l = this.layout;
      for (let first = 0; first < l.blocks && !this.stopped; first += MAX_RANGE_BLOCKS) {
        await gate();
        const count = Math.min(MAX_RANGE_BLOCKS, l.blocks - first);
        let have = true;
        for (let b = first; b < first + count && have; ++b) have = !!this.partOf(b);
        if (!have) {
          const [b0, b1] = this.span(first, count);
          const bytes = await this.fetch(b0, b1);
          this.fetchedBytes += bytes.byteLength;
          const inside = this.index.parts.filter(([f, n]) => f >= first && f + n <= first + count);
          await this.keep(`blocks-${first}-${count}`, bytes, () => {
            this.index.parts = this.index.parts.filter((p) => !inside.includes(p));
            this.index.parts.push([first, count]);
          });
          for (const [f, n] of inside) await this.store.remove(partKey(this.url, `blocks-${f}-${n}`));
        }
      }
      return this.complete;
    })();
    return this.filling;
  }

  /** File bytes from the network; a file changed on the server drops every cached part of it. */
  async fetch(begin, end) {
    try {
      return await this.net.read(begin, end);
    } catch (e) {
      if (e.changed) {
        validated.delete(this.url);
        this.stopped = true;
        if (this.store) this.saving = this.saving.then(() => removeParts(this.store, this.url, this.index)).catch(() => {});
        writing.set(this.url, this.saving);
      }
      throw e;
    }
  }

  /** Drops a cached part of blocks. */
  forget(part) {
    this.saving = this.saving.then(async () => {
      this.index.parts = this.index.parts.filter((p) => p !== part);
      await putPart(this.store, partKey(this.url, 'index'), new TextEncoder().encode(JSON.stringify(this.index)));
      await this.store.remove(partKey(this.url, `blocks-${part[0]}-${part[1]}`));
    }).catch(() => {}); // a cache that fails loses nothing but the copy
    writing.set(this.url, this.saving);
    return this.saving;
  }

  /** Stores one part, then records it in the index (in order: an index never names a part not stored). */
  keep(name, bytes, record) {
    if (!this.store) { record(); return Promise.resolve(); }
    this.saving = this.saving.then(async () => {
      if (!(await putPart(this.store, partKey(this.url, name), bytes))) return;
      record();
      await putPart(this.store, partKey(this.url, 'index'), new TextEncoder().encode(JSON.stringify(this.index)));
    }).catch(() => {});
    writing.set(this.url, this.saving);
    return this.saving;
  }
}

function concat(a, b) {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

async function putPart(store, key, bytes) {
  const w = store.begin(key, {}, bytes.byteLength);
  try {
    await w.write(bytes);
  } catch {
    await w.abort();
    return false;
  }
  return w.commit();
}

async function getPart(store, key) {
  const entry = store ? await store.get(key) : null;
  if (!entry) return null;
  try {
    return await readAll(openEntry(entry, key));
  } catch {
    return null;
  }
}

async function getJson(store, key) {
  const bytes = await getPart(store, key);
  if (!bytes) return null;
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes));
    return v && Array.isArray(v.parts) ? v : null;
  } catch {
    return null;
  }
}

async function removeParts(store, url, index) {
  for (const [f, n] of index.parts) await store.remove(partKey(url, `blocks-${f}-${n}`));
  await store.remove(partKey(url, 'head'));
  await store.remove(partKey(url, 'index'));
}

/** Bytes [begin, end) of a cached entry, without reading the rest where the store allows. */
async function readEntryRange(entry, begin, end) {
  if (entry.readRange) return entry.readRange(begin, end);
  const all = await readAll(openEntry(entry, ''));
  return all.subarray(begin, end);
}
