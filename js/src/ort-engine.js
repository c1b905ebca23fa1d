// The optional second backend: onnxruntime-web runs the model's ONNX file;
// indorerank's own tokenizer (in a small wasm instance) builds the inputs, so
// both backends see identical ids and return the same result shape.
import { IndorerankError, unwrap } from './errors.js';
import { fillBuffer, moduleFiles } from './module-buffer.js';
import { openSource } from './source.js';
import { readAll } from './streams.js';
import { chooseThreads, requireWasmSimd } from './wasm-engine.js';

async function importOrt(given) {
  let ort = given;
  if (!ort) {
    try {
      // Left to the run time on purpose (a name no bundler can fold into a
      // static import): bundlers must not fail where the optional peer is not
      // installed. With a bundler, pass the module in.
      const name = ['onnxruntime', 'web'].join('-');
      ort = await import(/* webpackIgnore: true */ /* @vite-ignore */ name);
    } catch (e) {
      throw new IndorerankError("backend 'onnxruntime-web' needs the onnxruntime-web package: npm install onnxruntime-web, " +
        "then pass it as options.onnxruntime (import * as ort from 'onnxruntime-web'); importing it by name " +
        `failed: ${e.message}`, 'not_found');
    }
  }
  return ort.InferenceSession ? ort : ort.default;
}

export async function createOrtEngine(platform, source, o) {
  requireWasmSimd(); // our tokenizer module is a SIMD build too
  const ort = await importOrt(o.onnxruntime);
  const choice = chooseThreads(platform, o.threads ?? 1);
  ort.env.wasm.numThreads = choice.threads;
  const maxLength = o.maxLength ?? 256;

  const mod = await platform.loadModule('single', { ...moduleFiles(o), threadPoolSize: 0 });
  const buf = await fillBuffer(mod, await openSource(o.tokenizer, o, platform.source));
  const tokenizer = new mod.WasmTokenizer();
  try {
    unwrap(tokenizer.load(buf, maxLength));
  } catch (e) {
    tokenizer.delete();
    throw e;
  } finally {
    buf.delete();
  }

  const onnx = await readAll(await openSource(source, o, platform.source), o.onProgress);
  let session;
  try {
    session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (e) {
    tokenizer.delete();
    throw new IndorerankError(`onnxruntime-web could not load the model: ${e.message}`, 'data_loss');
  }
  return new OrtEngine(ort, session, tokenizer, mod, { choice, maxLength, fileBytes: onnx.byteLength });
}

const sigmoid = (x) => Math.fround(1 / (1 + Math.exp(-x)));

class OrtEngine {
  constructor(ort, session, tokenizer, mod, meta) {
    this.ort = ort;
    this.session = session;
    this.tokenizer = tokenizer;
    this.mod = mod;
    this.meta = meta;
    this.busy = Promise.resolve();
  }

  // One pair per run: onnxruntime-web is fastest that way (no padding).
  async logit(ids) {
    const n = ids.length;
    const feeds = {
      input_ids: new this.ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
      attention_mask: new this.ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
    };
    const out = await this.session.run(feeds);
    return out[this.session.outputNames[0]].data[0];
  }

  // Calls run one at a time, like the wasm backend's.
  serial(fn) {
    const next = this.busy.then(fn, fn);
    this.busy = next.catch(() => {});
    return next;
  }

  rerank(query, texts, opts) {
    if (opts.chunkLongPassages) {
      return Promise.reject(new IndorerankError("chunkLongPassages is not available with backend 'onnxruntime-web'", 'unimplemented'));
    }
    return this.serial(async () => {
      const results = [];
      for (let i = 0; i < texts.length; i++) {
        const enc = unwrap(this.tokenizer.encodePair(query, texts[i]));
        const logit = await this.logit(Array.from(enc.inputIds));
        results.push({ index: i, score: sigmoid(logit), logit, truncated: enc.truncated, chunks: 1 });
      }
      results.sort((a, b) => b.score - a.score || a.index - b.index);
      return opts.topK > 0 ? results.slice(0, opts.topK) : results;
    });
  }

  tokenize(query, passage) { return unwrap(this.tokenizer.encodePair(query, passage)); }

  scoreIds(sequences) {
    return this.serial(async () => {
      const out = [];
      for (const s of sequences) out.push(await this.logit(s));
      return out;
    });
  }

  info() {
    const { choice, maxLength, fileBytes } = this.meta;
    return {
      backend: 'onnxruntime-web', kernel: 'onnxruntime-web', threads: choice.threads,
      threadMode: choice.threadMode, threadNote: choice.threadNote, maxLength,
      weightBytes: fileBytes, fileBytes, memoryLimit: 0, minMemory: 0, peakBytes: 0,
      wasmMemoryBytes: this.mod.HEAPU8.byteLength, config: null,
    };
  }

  dispose() {
    this.session.release?.();
    this.tokenizer.delete();
    this.mod = null;
  }
}
