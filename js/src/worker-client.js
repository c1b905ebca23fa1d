// RerankerWorker: the Reranker API, with the model running in a Web Worker
// (browser) or a worker thread (Node), so the calling thread never blocks.
// Results are shaped here from the caller's own passages, so ids and meta
// never cross threads and come back as the very objects given.
import { IndorerankError } from './errors.js';
import { disposeSymbol, forget, track } from './lifetime.js';
import { checkLoadArgs, checkRerankArgs, shapeResults } from './reranker.js';

function rebuildError(e) {
  if (e.name === 'TypeError') return new TypeError(e.message);
  return new IndorerankError(e.message, e.code || 'internal');
}

// What crosses to the worker: strings and URLs as absolute strings, bytes as
// a copy the worker owns (the caller's buffer is never detached).
async function transferableSource(source, baseUrl) {
  if (source instanceof URL) return { value: source.href, transfer: [] };
  if (typeof source === 'string') {
    return { value: baseUrl && /^[a-z][a-z0-9+.-]*:|^\/|^\.\.?\//i.test(source) ? new URL(source, baseUrl).href : source, transfer: [] };
  }
  let bytes;
  if (source instanceof ArrayBuffer) bytes = source.slice(0);
  else if (ArrayBuffer.isView(source)) bytes = source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength);
  else bytes = await source.arrayBuffer(); // Blob or Response
  return { value: bytes, transfer: [bytes] };
}

/** The RerankerWorker of both entry points; each binds its platform as `_platform`. */
export class RerankerWorkerBase {
  /** @private */
  constructor(port) {
    this._port = port;
    this._next = 1;
    this._pending = new Map();
    this._info = null;
    track(this, () => port.terminate());
    port.onMessage((m) => this._receive(m));
    port.onError((err) => this._failAll(new IndorerankError(`the worker stopped: ${err && err.message ? err.message : err}`, 'aborted')));
  }

  /**
   * Starts a worker and loads the model in it. Same arguments as Reranker.load.
   */
  static async load(source, options) {
    const o = checkLoadArgs(source, options);
    const platform = this._platform;
    const port = platform.spawnWorker(o);
    const w = new this(port);
    try {
      const baseUrl = platform.source.baseUrl;
      const { value, transfer } = await transferableSource(source, baseUrl);
      const { onProgress, onnxruntime, wasmBase, ...rest } = o; // functions and modules cannot cross threads
      if (port.files) rest._files = port.files; // the files as this page (or its bundler) placed them
      let tokenizer;
      if (rest.tokenizer !== undefined) {
        tokenizer = await transferableSource(rest.tokenizer, baseUrl);
        rest.tokenizer = tokenizer.value;
      }
      await w._call('load', { source: value, options: rest, progress: !!onProgress },
        [...transfer, ...(tokenizer ? tokenizer.transfer : [])], onProgress);
    } catch (e) {
      w.dispose();
      throw e;
    }
    return w;
  }

  _receive(m) {
    const p = this._pending.get(m.id);
    if (!p) return;
    if (m.progress) { p.onProgress?.(m.progress[0], m.progress[1]); return; }
    this._pending.delete(m.id);
    if (m.info) this._info = m.info;
    if (m.ok) p.resolve(m.value); else p.reject(rebuildError(m.error));
  }

  _failAll(err) {
    for (const p of this._pending.values()) p.reject(err);
    this._pending.clear();
  }

  _call(op, args, transfer = [], onProgress) {
    if (!this._port) return Promise.reject(new IndorerankError('this reranker has been disposed', 'disposed'));
    const id = this._next++;
    return new Promise((resolve, reject) => {
      this._pending.set(id, { resolve, reject, onProgress });
      this._port.post({ id, op, ...args }, transfer);
    });
  }

  async rerank(query, passages, options) {
    if (!this._port) throw new IndorerankError('this reranker has been disposed', 'disposed');
    const { texts, o } = checkRerankArgs(query, passages, options);
    const raw = await this._call('rerank', {
      query, texts,
      options: { topK: o.topK ?? 0, chunkLongPassages: o.chunkLongPassages ?? false, chunkOverlap: o.chunkOverlap ?? 32 },
    });
    return shapeResults(raw, passages, o);
  }

  async tokenize(query, passage) {
    return this._call('tokenize', { query, passage });
  }

  async scoreIds(sequences) {
    return this._call('scoreIds', { sequences });
  }

  /** See Reranker#prefetch. */
  async prefetch() {
    return this._call('prefetch', {});
  }

  /** The figures as of the last finished call (the worker sends them with every reply). */
  info() {
    if (!this._port) throw new IndorerankError('this reranker has been disposed', 'disposed');
    return { ...this._info, worker: true };
  }

  get disposed() { return this._port === null; }

  dispose() {
    if (!this._port) return;
    const port = this._port;
    this._port = null;
    forget(this);
    this._failAll(new IndorerankError('this reranker has been disposed', 'disposed'));
    port.terminate();
  }

  [disposeSymbol]() { this.dispose(); }
}
