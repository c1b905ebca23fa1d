// Entry point for Node: the CommonJS builds of the core, read from disk;
// paths and file: URLs are read with fs, other URLs with fetch().
import { createRequire } from 'node:module';
import { readFileSync, createReadStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Bm25Index } from './bm25.js';
import { Reranker } from './reranker.js';
import { RerankerWorker } from './worker-client.js';
import { IndorerankError, unwrap } from './errors.js';

const require = createRequire(import.meta.url);
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const compiled = new Map();

function variantFiles(variant) {
  const base = variant === 'mt' ? 'indorerank-node-mt' : 'indorerank-node';
  return { glue: path.join(dist, `${base}.cjs`), wasm: path.join(dist, `${base}.wasm`) };
}

async function loadModule(variant, { threadPoolSize }) {
  const files = variantFiles(variant);
  let wasmModule = compiled.get(variant);
  if (!wasmModule) {
    wasmModule = await WebAssembly.compile(readFileSync(files.wasm));
    compiled.set(variant, wasmModule);
  }
  const factory = require(files.glue);
  return factory({
    threadPoolSize,
    locateFile: (file) => path.join(dist, file.replace(/\.worker\.js$/, '.worker.cjs')),
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasmModule, imports).then((instance) => receive(instance, wasmModule));
      return {};
    },
  });
}

async function readPath(p) {
  let st;
  try {
    st = await fsp.stat(p);
  } catch (e) {
    throw new IndorerankError(`cannot read model file ${p}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, 'not_found');
  }
  if (!st.isFile()) throw new IndorerankError(`${p} is not a file`, 'invalid_argument');
  return { total: st.size, chunks: createReadStream(p, { highWaterMark: 1 << 20 }) };
}

export const nodePlatform = {
  name: 'node',
  hardwareThreads: () => (os.availableParallelism ? os.availableParallelism() : os.cpus().length),
  threadSupport: () => ({ ok: true }),
  loadModule,
  source: {
    // Anything that is not an http(s)/data/blob URL is a path (file: URLs too).
    isPath: (s) => !/^(https?|data|blob):/i.test(s),
    readPath: (s) => readPath(s.startsWith('file:') ? fileURLToPath(s) : s),
  },
};

Reranker._platform = nodePlatform;
Bm25Index._platform = nodePlatform;
RerankerWorker._spawn = async () => {
  const w = new Worker(new URL('./worker-node.js', import.meta.url));
  return {
    post: (m, transfer) => w.postMessage(m, transfer),
    onMessage: (fn) => w.on('message', fn),
    onError: (fn) => w.on('error', fn),
    terminate: () => { w.terminate(); },
  };
};

/** Converts a Hugging Face model folder to one int8 model file (runs the core's converter). */
export async function convert(hfDir, outPath) {
  const mod = await loadModule('single', { threadPoolSize: 0 });
  unwrap(mod.convert(path.resolve(hfDir), path.resolve(outPath)));
}

export { Reranker };
export { Bm25Index };
export { IndorerankError } from './errors.js';
export { RerankerWorker };
export { clearCache } from './source.js';

/** Browsers only (where the dist/ files are served from); Node reads them from the package. */
export function setWasmBase() {}
