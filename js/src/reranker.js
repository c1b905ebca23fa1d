// The public Reranker: argument checks, result shaping and lifetime; the
// backend (wasm core or onnxruntime-web) does the work.
import { IndorerankError } from './errors.js';
import { isSource } from './source.js';
import { disposeSymbol, forget, track } from './lifetime.js';
import { createWasmEngine } from './wasm-engine.js';

export function typeName(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

export function checkInt(name, v, min, max) {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new TypeError(`${name} must be an integer from ${min} to ${max} (got ${typeof v === 'number' ? v : typeName(v)})`);
  }
}

export function checkBool(name, v) {
  if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`${name} must be a boolean (got ${typeName(v)})`);
}

export function checkObject(name, v) {
  if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) {
    throw new TypeError(`${name} must be an object (got ${typeName(v)})`);
  }
}

export function checkWasmBase(v) {
  if (v !== undefined && typeof v !== 'string' && !(v instanceof URL)) throw new TypeError(`wasmBase must be a string or a URL (got ${typeName(v)})`);
}

/** Validates load() arguments; throws TypeError with what is wrong. */
export function checkLoadArgs(source, options) {
  if (!isSource(source)) {
    throw new TypeError(`source must be a URL, a path, an ArrayBuffer, a typed array, a Blob or a Response (got ${typeName(source)})`);
  }
  checkObject('options', options);
  const o = options ?? {};
  checkInt('maxLength', o.maxLength, 8, 512);
  checkInt('memoryLimit', o.memoryLimit, 1, 2 ** 31);
  checkInt('threads', o.threads, 0, 64);
  checkBool('cache', o.cache);
  checkBool('revalidate', o.revalidate);
  checkBool('lazy', o.lazy);
  checkBool('prefetch', o.prefetch);
  for (const key of ['revision', 'hubUrl']) {
    if (o[key] !== undefined && typeof o[key] !== 'string' && !(key === 'hubUrl' && o[key] instanceof URL)) {
      throw new TypeError(`${key} must be a string (got ${typeName(o[key])})`);
    }
  }
  if (o.cacheDir !== undefined && typeof o.cacheDir !== 'string') throw new TypeError(`cacheDir must be a string (got ${typeName(o.cacheDir)})`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new TypeError('onProgress must be a function');
  if (o.backend !== undefined && o.backend !== 'wasm' && o.backend !== 'onnxruntime-web') {
    throw new TypeError(`backend must be 'wasm' or 'onnxruntime-web' (got ${JSON.stringify(o.backend)})`);
  }
  if (o.kernel !== undefined && typeof o.kernel !== 'string') throw new TypeError('kernel must be a string');
  checkWasmBase(o.wasmBase);
  if (o.backend === 'onnxruntime-web' && !isSource(o.tokenizer)) {
    throw new TypeError("backend 'onnxruntime-web' needs options.tokenizer: the model's sentencepiece.bpe.model (URL, path or bytes)");
  }
  return o;
}

/** Splits passages into texts, checking every element. */
export function passageTexts(passages) {
  if (!Array.isArray(passages)) throw new TypeError(`passages must be an array (got ${typeName(passages)})`);
  // An index loop, not map(): map() skips the holes of a sparse array.
  const texts = new Array(passages.length);
  for (let i = 0; i < passages.length; ++i) {
    const p = passages[i];
    if (typeof p === 'string') texts[i] = p;
    else if (p !== null && typeof p === 'object' && typeof p.text === 'string') texts[i] = p.text;
    else throw new TypeError(`passages[${i}] must be a string or an object with a string 'text' (got ${typeName(p)})`);
  }
  return texts;
}

export function checkRerankArgs(query, passages, options) {
  if (typeof query !== 'string') throw new TypeError(`query must be a string (got ${typeName(query)})`);
  const texts = passageTexts(passages);
  checkObject('options', options);
  const o = options ?? {};
  checkInt('topK', o.topK, 0, 2 ** 31);
  checkBool('returnDocuments', o.returnDocuments);
  checkBool('chunkLongPassages', o.chunkLongPassages);
  checkInt('chunkOverlap', o.chunkOverlap, 0, 256);
  return { texts, o };
}

/** Builds the public results: new objects, plain numbers, ids from the input. */
export function shapeResults(raw, passages, o) {
  return raw.map((r) => {
    const p = passages[r.index];
    const out = {
      index: r.index,
      id: typeof p === 'object' && p.id !== undefined ? p.id : r.index,
      score: r.score,
      logit: r.logit,
      truncated: r.truncated,
    };
    if (o.chunkLongPassages) out.chunks = r.chunks;
    if (o.returnDocuments) out.document = typeof p === 'string' ? p : p.text;
    if (typeof p === 'object' && p.meta !== undefined) out.meta = p.meta;
    return out;
  });
}

/** The Reranker of both entry points; each binds its platform as `_platform`. */
export class RerankerBase {
  /** @private */
  constructor(engine, backend) {
    this._engine = engine;
    this._backend = backend;
    track(this, () => engine.dispose());
  }

  /**
   * Loads a model. See index.d.ts for the options.
   * @param {string | URL | ArrayBuffer | ArrayBufferView | Blob | Response} source
   */
  static async load(source, options) {
    const o = checkLoadArgs(source, options);
    const platform = this._platform;
    if (o.backend === 'onnxruntime-web') {
      const { createOrtEngine } = await import('./ort-engine.js');
      return new this(await createOrtEngine(platform, source, o), 'onnxruntime-web');
    }
    return new this(await createWasmEngine(platform, source, o), 'wasm');
  }

  _live() {
    if (!this._engine) throw new IndorerankError('this reranker has been disposed', 'disposed');
    return this._engine;
  }

  async rerank(query, passages, options) {
    const engine = this._live();
    const { texts, o } = checkRerankArgs(query, passages, options);
    const raw = await engine.rerank(query, texts, {
      topK: o.topK ?? 0, returnDocuments: false,
      chunkLongPassages: o.chunkLongPassages ?? false, chunkOverlap: o.chunkOverlap ?? 32,
    });
    return shapeResults(raw, passages, o);
  }

  async tokenize(query, passage) {
    const engine = this._live();
    if (typeof query !== 'string') throw new TypeError(`query must be a string (got ${typeName(query)})`);
    if (typeof passage !== 'string') throw new TypeError(`passage must be a string (got ${typeName(passage)})`);
    const e = await engine.tokenize(query, passage);
    return { inputIds: Array.from(e.inputIds), truncated: e.truncated, queryTruncated: e.queryTruncated, passageTruncated: e.passageTruncated };
  }

  /** Logits of pre-tokenized sequences (parity tests and benchmarks). */
  async scoreIds(sequences) {
    const engine = this._live();
    if (!Array.isArray(sequences) || !sequences.every((s) => Array.isArray(s) || s instanceof Int32Array)) {
      throw new TypeError('sequences must be an array of id arrays');
    }
    return Array.from(await engine.scoreIds(sequences.map((s) => Array.from(s))));
  }

  /**
   * Fetches what is left of a model loaded by range (the embedding rows no
   * call has needed yet) into the model cache, so that later loads and
   * searches work offline. Starts by itself after the first rerank() unless
   * load() had `prefetch: false`. Resolves true once the whole model is
   * cached; false when there is no cache to fill (cache: false, or no
   * storage). Models loaded whole resolve true at once.
   * @returns {Promise<boolean>}
   */
  async prefetch() {
    const engine = this._live();
    return engine.prefetch ? engine.prefetch() : true;
  }

  info() {
    return this._live().info();
  }

  get disposed() { return this._engine === null; }

  dispose() {
    if (!this._engine) return;
    const engine = this._engine;
    this._engine = null;
    forget(this);
    engine.dispose();
  }

  [disposeSymbol]() { this.dispose(); }
}
