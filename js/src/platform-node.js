// What the Node build needs from its host: the CommonJS builds of the core
// read from the package's dist/, model files read from disk, worker threads.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync, createReadStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { openNodeStore } from './cache-node.js';
import { IndorerankError } from './errors.js';
import { relaxedSimdValidates } from './relaxed-simd.js';

const require = createRequire(import.meta.url);

function variantFiles(variant) {
  return variant === 'mt'
    ? {
      glue: fileURLToPath(new URL('../dist/indorerank-node-mt.cjs', import.meta.url)),
      wasm: fileURLToPath(new URL('../dist/indorerank-node-mt.wasm', import.meta.url)),
      pthreadWorker: fileURLToPath(new URL('../dist/indorerank-node-mt.worker.cjs', import.meta.url)),
      relaxed: fileURLToPath(new URL('../dist/indorerank-relaxed-mt.wasm', import.meta.url)),
    }
    : {
      glue: fileURLToPath(new URL('../dist/indorerank-node.cjs', import.meta.url)),
      wasm: fileURLToPath(new URL('../dist/indorerank-node.wasm', import.meta.url)),
      relaxed: fileURLToPath(new URL('../dist/indorerank-relaxed.wasm', import.meta.url)),
    };
}

const compiled = new Map(); // file -> WebAssembly.Module

async function compiledFile(file) {
  let wasmModule = compiled.get(file);
  if (!wasmModule) {
    wasmModule = await WebAssembly.compile(readFileSync(file));
    compiled.set(file, wasmModule);
  }
  return wasmModule;
}

const relaxedFiles = new Map(); // file -> { module, bytes }

// The relaxed-SIMD kernel's module and its bytes (pthreads compile their own
// copies) where this Node has relaxed SIMD (the engine then checks that it
// runs exactly; Node 20's does not); else the SIMD128 kernel serves.
async function relaxedModule(file) {
  if (!file || !relaxedSimdValidates()) return undefined;
  let relaxed = relaxedFiles.get(file);
  if (!relaxed) {
    try {
      const bytes = readFileSync(file);
      relaxed = { module: await WebAssembly.compile(bytes), bytes };
    } catch {
      return undefined;
    }
    relaxedFiles.set(file, relaxed);
  }
  return relaxed;
}

async function loadModule(variant, { threadPoolSize }) {
  const files = variantFiles(variant);
  const [wasmModule, relaxed] = await Promise.all([compiledFile(files.wasm), relaxedModule(files.relaxed)]);
  const factory = require(files.glue);
  return factory({
    threadPoolSize,
    relaxedSimd: relaxed?.module,
    relaxedSimdBytes: relaxed?.bytes,
    locateFile: (file) => (file.endsWith('.worker.js') ? files.pthreadWorker : file),
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

function spawnWorker() {
  const w = new Worker(new URL('./worker-node.js', import.meta.url));
  return {
    files: undefined,
    post: (m, transfer) => w.postMessage(m, transfer),
    onMessage: (fn) => w.on('message', fn),
    onError: (fn) => w.on('error', fn),
    terminate: () => { w.terminate(); },
  };
}

const source = {
  // Anything that is not an http(s)/data/blob URL is a path (file: URLs too).
  isPath: (s) => !/^(https?|data|blob):/i.test(s),
  pathExists: (s) => fsp.stat(s).then(() => true, () => false),
  readPath: (s) => readPath(s.startsWith('file:') ? fileURLToPath(s) : s),
  openStore: (options) => openNodeStore(options),
  hasher: () => {
    const h = createHash('sha256');
    return { update: (c) => h.update(c), hex: () => h.digest('hex') };
  },
  hubUrl: () => process.env.INDORERANK_HUB_URL || undefined,
  loadModule,
};

export const nodePlatform = {
  name: 'node',
  hardwareThreads: () => (os.availableParallelism ? os.availableParallelism() : os.cpus().length),
  threadSupport: () => ({ ok: true }),
  loadModule,
  spawnWorker,
  source,
};
