// Bm25Index: the core's BM25 first stage (Indonesian analysis, Snowball
// stemmer, Okapi BM25) in WebAssembly. All indexes share one single-thread
// module instance; each index is a C++ object in it that dispose() frees.
import { IndorerankError, unwrap } from './errors.js';
import { disposeSymbol, forget, track } from './lifetime.js';
import { checkBool, checkInt, checkObject, checkWasmBase, typeName } from './reranker.js';
import { requireWasmSimd } from './wasm-engine.js';

// One module instance per platform and wasmBase, made on first use.
const shared = new Map();
function sharedModule(platform, wasmBase) {
  const key = `${platform.name} ${wasmBase ?? ''}`;
  let pending = shared.get(key);
  if (!pending) {
    requireWasmSimd();
    pending = platform.loadModule('single', { threadPoolSize: 0, wasmBase });
    shared.set(key, pending);
    pending.catch(() => shared.delete(key));
  }
  return pending;
}

function checkId(id) {
  if (typeof id !== 'string' || id === '') throw new TypeError(`id must be a non-empty string (got ${typeName(id)})`);
}

function checkText(name, v) {
  if (typeof v !== 'string') throw new TypeError(`${name} must be a string (got ${typeName(v)})`);
}

function toBytes(bytes) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TypeError(`bytes must be a Uint8Array, an ArrayBuffer or a typed array (got ${typeName(bytes)})`);
}

/** The Bm25Index of both entry points; each binds its platform as `_platform`. */
export class Bm25IndexBase {
  /**
   * @param {{ k1?: number, b?: number, stem?: boolean, removeStopwords?: boolean, wasmBase?: string | URL }} [options]
   */
  static async create(options) {
    checkObject('options', options);
    const o = options ?? {};
    for (const key of ['k1', 'b']) {
      if (o[key] !== undefined && (typeof o[key] !== 'number' || !Number.isFinite(o[key]))) {
        throw new TypeError(`${key} must be a finite number (got ${typeName(o[key])})`);
      }
    }
    checkBool('stem', o.stem);
    checkBool('removeStopwords', o.removeStopwords);
    checkWasmBase(o.wasmBase);
    const mod = await sharedModule(this._platform, o.wasmBase);
    const handle = new mod.WasmBm25();
    try {
      unwrap(handle.init({ k1: o.k1, b: o.b, stem: o.stem, removeStopwords: o.removeStopwords }));
    } catch (e) {
      handle.delete();
      throw e;
    }
    return new this(mod, handle);
  }

  /**
   * An index from serialize()'s bytes.
   * @param {{ wasmBase?: string | URL }} [options]
   */
  static async load(bytes, options) {
    const data = toBytes(bytes);
    checkObject('options', options);
    checkWasmBase(options?.wasmBase);
    const mod = await sharedModule(this._platform, options?.wasmBase);
    const buf = new mod.ModelBuffer(data.byteLength);
    const handle = new mod.WasmBm25();
    try {
      if (!buf.ok()) throw new IndorerankError(`cannot allocate ${data.byteLength} bytes of WebAssembly memory`, 'resource_exhausted');
      mod.HEAPU8.set(data, buf.ptr());
      unwrap(handle.load(buf));
    } catch (e) {
      handle.delete();
      throw e;
    } finally {
      buf.delete();
    }
    return new this(mod, handle);
  }

  /** @private use create() or load() */
  constructor(mod, handle) {
    this._mod = mod;
    this._handle = handle;
    track(this, () => handle.delete());
  }

  _live() {
    if (!this._handle) throw new IndorerankError('this Bm25Index was disposed', 'disposed');
    return this._handle;
  }

  /** Adds one passage; an id already in the index is an error (remove it first). */
  add(id, text) {
    checkId(id);
    checkText('text', text);
    unwrap(this._live().add(id, text));
  }

  /** Adds many passages, all or none: ids are checked before any is added. */
  addAll(passages) {
    if (!Array.isArray(passages)) throw new TypeError(`passages must be an array (got ${typeName(passages)})`);
    const h = this._live();
    const seen = new Set();
    passages.forEach((p, i) => {
      if (p === null || typeof p !== 'object') throw new TypeError(`passages[${i}] must be an object {id, text} (got ${typeName(p)})`);
      checkId(p.id);
      checkText(`passages[${i}].text`, p.text);
      if (seen.has(p.id) || h.has(p.id)) throw new IndorerankError(`passage id '${p.id}' is already in the index`, 'invalid_argument');
      seen.add(p.id);
    });
    for (const p of passages) unwrap(h.add(p.id, p.text));
  }

  /** Removes a passage; false when the id is not in the index. */
  remove(id) {
    checkId(id);
    return this._live().remove(id);
  }

  has(id) {
    checkId(id);
    return this._live().has(id);
  }

  /** Passages in the index. */
  get size() { return this._live().size(); }

  /** Distinct terms in the index. */
  get termCount() { return this._live().termCount(); }

  /** The options the index scores with. */
  get options() { return this._live().options(); }

  /**
   * The best passages for a query, best first: [{id, score}] with score > 0.
   * @param {string} query
   * @param {{ topK?: number }} [options] topK: how many (10); 0 returns every match
   */
  search(query, options) {
    checkText('query', query);
    checkObject('options', options);
    const topK = options?.topK ?? 10;
    checkInt('topK', topK, 0, 2 ** 31);
    return this._live().search(query, topK);
  }

  /** The terms a text is indexed by (lower-cased, stopwords dropped, stemmed). */
  analyze(text) {
    checkText('text', text);
    return this._live().analyze(text);
  }

  /** A snapshot for load(): ids and term counts, not the texts. */
  serialize() { return this._live().serialize(); }

  /** Frees the index; later calls throw an IndorerankError with code 'disposed'. */
  dispose() {
    if (!this._handle) return;
    forget(this);
    this._handle.delete();
    this._handle = null;
  }

  [disposeSymbol]() { this.dispose(); }
}
