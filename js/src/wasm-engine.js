// The default backend: the indorerank core compiled to WebAssembly. Each
// reranker gets its own module instance (compiled once, instantiated per
// reranker), so dispose() gives all its memory back.
import { IndorerankError, unwrap } from './errors.js';
import { fillBuffer, moduleFiles } from './module-buffer.js';
import { RangedModel } from './ranged.js';
import { openSource, rangedUrl } from './source.js';
import { openUrl } from './url-source.js';

// The smallest module using SIMD128 (a function returning i8x16.splat of 0),
// encoded by hand from the binary format: engines without SIMD reject it.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // code: i32.const 0; i8x16.splat; end
]);

// The smallest module using exception handling (a function holding an empty
// `try` block), which the modules need to report running out of memory.
const EH_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x07, 0x01, 0x05, 0x00, 0x06, 0x40, 0x0b, 0x0b, // code: try; end; end
]);

/** Throws a clear error where WebAssembly or its SIMD or exception extensions are missing. */
export function requireWasmSimd() {
  if (typeof WebAssembly !== 'object') {
    throw new IndorerankError('this JavaScript engine has no WebAssembly, which indorerank needs', 'unimplemented');
  }
  if (!WebAssembly.validate(SIMD_PROBE)) {
    throw new IndorerankError('this JavaScript engine has no WebAssembly SIMD, which indorerank needs ' +
      '(Chrome/Edge 95+, Firefox 100+, Safari 16.4+, Node 18+)', 'unimplemented');
  }
  if (!WebAssembly.validate(EH_PROBE)) {
    throw new IndorerankError('this JavaScript engine has no WebAssembly exception handling, which indorerank needs ' +
      '(Chrome/Edge 95+, Firefox 100+, Safari 16.4+, Node 18+)', 'unimplemented');
  }
}

/**
 * Decides single-thread or pthreads for `threads` requested threads.
 * @returns {{ variant: 'single' | 'mt', threads: number, threadMode: 'single' | 'pthreads', threadNote: string }}
 */
export function chooseThreads(platform, requested) {
  const want = requested === 0 ? platform.hardwareThreads() : requested;
  if (want <= 1) return { variant: 'single', threads: 1, threadMode: 'single', threadNote: 'one thread was asked for' };
  const support = platform.threadSupport();
  if (!support.ok) return { variant: 'single', threads: 1, threadMode: 'single', threadNote: support.reason };
  return { variant: 'mt', threads: want, threadMode: 'pthreads', threadNote: `${want} threads (WebAssembly pthreads)` };
}

/**
 * Loads a model into a new module instance.
 * @returns {Promise<object>} the engine: rerank, tokenize, info, dispose
 */
export async function createWasmEngine(platform, source, options) {
  requireWasmSimd();
  const choice = chooseThreads(platform, options.threads ?? 1);
  // The module compiles while the model's first bytes download; progress counts both.
  const progress = twoParts(options.onProgress);
  options = { ...options, onProgress: progress.model };
  const loading = platform.loadModule(choice.variant,
    { ...moduleFiles(options), threadPoolSize: Math.max(0, choice.threads - 1), onBytes: progress.code });
  loading.catch(() => {}); // (awaited below; a failure is reported there)
  let ranged = null, opened = null;
  try {
    const url = options.lazy === false ? null : await rangedUrl(source, platform.source);
    if (url) ranged = await RangedModel.open(url, options, platform.source, async (bytes) => readLayout(await loading, bytes));
    if (ranged?.whole) opened = await openUrl(url, options, platform.source, ranged.whole);
    else if (!ranged) opened = await openSource(source, options, platform.source);
    if (opened) ranged = null;
  } catch (e) {
    loading.then((m) => m.terminateThreads(), () => {});
    throw e;
  }
  const mod = await loading;
  let handle = null;
  try {
    handle = new mod.WasmReranker();
    const loadOpts = { maxLength: options.maxLength ?? 256, threads: choice.threads };
    if (options.memoryLimit !== undefined) loadOpts.memoryLimit = options.memoryLimit;
    if (options.kernel !== undefined) loadOpts.kernel = options.kernel;
    if (ranged) {
      const loadHead = (bytes) => {
        const buf = copyIn(mod, bytes);
        const result = handle.loadHead(buf, loadOpts);
        buf.delete();
        unwrap(result);
      };
      try {
        loadHead(ranged.head);
      } catch (e) {
        // A damaged cached head: fetched again (a damaged download stays an error).
        if (!(ranged.headFromCache && e.code === 'data_loss' && ranged.model.net)) throw e;
        loadHead(await ranged.model.fetchHead(null, options.onProgress));
      }
      ranged.head = null;
    } else {
      const buf = await fillBuffer(mod, opened, options.onProgress);
      const result = handle.load(buf, loadOpts);
      buf.delete();
      unwrap(result);
    }
  } catch (e) {
    if (handle) handle.delete();
    mod.terminateThreads();
    throw e;
  }
  return new WasmEngine(mod, handle, choice, ranged?.model ?? null, options.prefetch !== false);
}

/**
 * One onProgress(loaded, total) for two downloads running at once: the
 * engine's .wasm file (browsers, the first load of a page) and the model.
 */
function twoParts(onProgress) {
  if (!onProgress) return { code: undefined, model: undefined };
  const code = [0, 0], model = [0, 0];
  const report = () => onProgress(code[0] + model[0], code[1] + model[1]);
  return {
    code: (loaded, total) => { code[0] = loaded; code[1] = total; report(); },
    model: (loaded, total) => { model[0] = loaded; model[1] = total; report(); },
  };
}

/** Bytes copied into a new ModelBuffer in the module's memory. */
function copyIn(mod, bytes) {
  const buf = new mod.ModelBuffer(bytes.byteLength);
  if (!buf.ok()) {
    buf.delete();
    throw new IndorerankError(`cannot allocate ${bytes.byteLength} bytes of WebAssembly memory`, 'resource_exhausted');
  }
  mod.HEAPU8.set(bytes, buf.ptr());
  return buf;
}

/** The core's read of a model file's layout from its first bytes. */
function readLayout(mod, bytes) {
  return unwrap(mod.readLayout(copyIn(mod, bytes)));
}

// What one rerank call may put into the module's memory (see rerank()): text
// bytes, and passages (each costs a few hundred bytes of bookkeeping).
const PREFETCH_DELAY_MS = 1000;
const GROUP_BYTES = 64 * 1048576;
const GROUP_PASSAGES = 16384;
const MAX_PASSAGE_BYTES = 256 * 1048576;

/** UTF-8 length of a JS string (lone surrogates count as U+FFFD, 3 bytes). */
function utf8Length(s) {
  let n = s.length;
  for (let i = 0; i < s.length; ++i) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) { n += 1; continue; }
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xDC00 && d <= 0xDFFF) { n += 2; ++i; continue; }  // 4 bytes for 2 code units
    }
    n += 2;
  }
  return n;
}

/** Bytes `s` takes in the module (an upper bound for short texts); refuses texts past MAX_PASSAGE_BYTES. */
function textBytes(s, what) {
  const n = s.length < 65536 ? 3 * s.length : utf8Length(s);
  if (n > MAX_PASSAGE_BYTES) {
    throw new IndorerankError(`${what} is ${(n / 1048576).toFixed(0)} MiB; the WebAssembly engine takes ` +
      `texts up to ${MAX_PASSAGE_BYTES / 1048576} MiB`, 'resource_exhausted');
  }
  return n;
}

class WasmEngine {
  constructor(mod, handle, choice, ranged, prefetch) {
    this.mod = mod;
    this.handle = handle;
    this.choice = choice;
    this.broken = null;
    this.ranged = ranged; // a model loaded by range: embedding blocks come as calls need them
    this.autoPrefetch = prefetch;
    this.fillError = null;
    this.resident = new Set(); // blocks added to the module
    this.busy = 0; // calls running; the background prefetch waits for none
    this.idle = [];
    this.prefetchTimer = null;
  }

  // Runs a call that may fetch blocks; the prefetch yields to it.
  async work(fn) {
    this.busy += 1;
    try {
      return await fn();
    } finally {
      this.busy -= 1;
      if (this.busy === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }

  whenIdle() {
    return this.busy === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  // Brings the embedding blocks `missing` (sorted) into the module: from the
  // model cache or the network, each checked by the core as it arrives.
  async addBlocks(missing) {
    if (!missing.length) return;
    await this.ranged.read(Array.from(missing), async (first, bytes) => {
      if (!this.handle) throw new IndorerankError('this reranker has been disposed', 'disposed');
      const buf = copyIn(this.mod, bytes);
      try {
        this.call(() => this.handle.addBlocks(first, buf));
      } finally {
        buf.delete();
      }
      const per = this.ranged.layout.blockRows * this.ranged.layout.rowBytes;
      for (let b = first; b < first + Math.ceil(bytes.byteLength / per); ++b) this.resident.add(b);
    });
  }

  // After the first results: the rest of the table into the cache, in the
  // background, once no call has run for a second (a search often comes in
  // batches: they go first).
  startPrefetch() {
    if (!this.ranged || !this.autoPrefetch || this.ranged.filling) return;
    clearTimeout(this.prefetchTimer);
    this.prefetchTimer = setTimeout(() => {
      if (this.handle && this.busy === 0) this.prefetch().catch(() => {});
      else this.startPrefetch();
    }, PREFETCH_DELAY_MS);
  }

  /** Resolves true once the whole model is in the cache (nothing left to fetch). */
  async prefetch() {
    if (!this.ranged) return true;
    clearTimeout(this.prefetchTimer);
    try {
      return await this.ranged.fill(() => this.whenIdle());
    } catch (e) {
      this.fillError = e;
      this.ranged.filling = null; // a later call tries again
      throw e;
    }
  }

  // A trap (an abort inside the module) leaves the instance unusable; every
  // later call says so instead of failing in stranger ways.
  call(fn) {
    if (this.broken) throw new IndorerankError(this.broken, 'aborted');
    try {
      return unwrap(fn());
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        this.broken = `the WebAssembly instance stopped (${e.message}); load the model again`;
        throw new IndorerankError(this.broken, 'aborted');
      }
      throw e;
    }
  }

  // Passages go into the module's memory for the call. Calls carry at most
  // GROUP_BYTES and GROUP_PASSAGES of them each, so a call's memory is bounded
  // whatever the input; scores do not depend on the batch, so merging the
  // groups' results (stable by logit, then index, as the core sorts) gives the
  // same answer.
  async rerank(query, texts, opts) {
    const out = await this.work(() => this.rerankGroups(query, texts, opts));
    this.startPrefetch();
    return out;
  }

  async rerankGroup(query, texts, opts) {
    if (this.ranged) await this.addBlocks(this.call(() => this.handle.missingBlocks(query, texts, opts)));
    return this.call(() => this.handle.rerank(query, texts, opts));
  }

  async rerankGroups(query, texts, opts) {
    textBytes(query, 'the query');
    let total = 0;
    const sizes = texts.map((t, i) => {
      const n = textBytes(t, `passages[${i}]`);
      total += n;
      return n;
    });
    if (total <= GROUP_BYTES && texts.length <= GROUP_PASSAGES) {
      return this.rerankGroup(query, texts, opts);
    }
    const all = [];
    for (let start = 0; start < texts.length;) {
      let end = start, bytes = 0;
      while (end < texts.length && (end === start || (bytes + sizes[end] <= GROUP_BYTES && end - start < GROUP_PASSAGES))) {
        bytes += sizes[end++];
      }
      const part = await this.rerankGroup(query, texts.slice(start, end), { ...opts, topK: 0 });
      for (const r of part) all.push({ ...r, index: r.index + start });
      start = end;
    }
    all.sort((a, b) => b.logit - a.logit || a.index - b.index);
    return opts.topK > 0 ? all.slice(0, opts.topK) : all;
  }
  tokenize(query, passage) {
    textBytes(query, 'the query');
    textBytes(passage, 'the passage');
    return this.call(() => this.handle.tokenize(query, passage));
  }
  async scoreIds(sequences) {
    return this.work(() => this.scoreIdsNow(sequences));
  }

  async scoreIdsNow(sequences) {
    if (this.ranged) {
      const rows = this.ranged.layout.blockRows, blocks = new Set();
      for (const s of sequences) for (const id of s) if (id >= 0) blocks.add(Math.floor(id / rows));
      await this.addBlocks([...blocks].filter((b) => b < this.ranged.layout.blocks && !this.resident.has(b)).sort((a, b) => a - b));
    }
    return this.call(() => this.handle.scoreIds(sequences));
  }

  info() {
    const i = this.call(() => this.handle.info());
    const out = {
      backend: 'wasm', ...i, threadMode: this.choice.threadMode, threadNote: this.choice.threadNote,
      wasmMemoryBytes: this.mod.HEAPU8.byteLength,
    };
    if (this.ranged) {
      out.ranged = {
        fetchedBytes: this.ranged.fetchedBytes, cached: this.ranged.complete, offline: !this.ranged.net,
        prefetchError: this.fillError ? this.fillError.message : null,
      };
    }
    return out;
  }

  dispose() {
    clearTimeout(this.prefetchTimer);
    this.ranged?.stop();
    try {
      this.handle.delete(); // joins the engine's threads
    } finally {
      this.mod.terminateThreads();
      this.handle = null;
      this.mod = null;
    }
  }
}
