// Entry point for browsers and web workers: the ES module builds of the core,
// fetched next to this file (or from `wasmBase`, see setWasmBase).
import { Bm25Index } from './bm25.js';
import { Reranker } from './reranker.js';
import { IndorerankError } from './errors.js';
import { RerankerWorker } from './worker-client.js';

let wasmBase = new URL('../dist/', import.meta.url);
const compiled = new Map();

/**
 * Where the package's dist/ files are served from, for bundlers that do not
 * keep them next to this module.
 * @param {string | URL} base
 */
export function setWasmBase(base) {
  wasmBase = new URL(base, globalThis.location?.href);
  if (!wasmBase.href.endsWith('/')) wasmBase = new URL(wasmBase.href + '/');
  compiled.clear();
}

async function compile(url) {
  if (WebAssembly.compileStreaming) {
    try {
      return await WebAssembly.compileStreaming(fetch(url));
    } catch {
      // A server without the application/wasm type: compile from bytes instead.
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url}: HTTP ${res.status}`);
  return WebAssembly.compile(await res.arrayBuffer());
}

async function loadModule(variant, { threadPoolSize }) {
  const base = variant === 'mt' ? 'indorerank-web-mt' : 'indorerank-web';
  const wasmUrl = new URL(`${base}.wasm`, wasmBase).href;
  let pending = compiled.get(variant);
  if (!pending) {
    pending = compile(wasmUrl);
    compiled.set(variant, pending);
    pending.catch(() => compiled.delete(variant));
  }
  const wasmModule = await pending;
  const glueUrl = new URL(`${base}.mjs`, wasmBase).href;
  const { default: factory } = await import(/* @vite-ignore */ glueUrl);
  return factory({
    threadPoolSize,
    locateFile: (file) => new URL(file, wasmBase).href,
    mainScriptUrlOrBlob: glueUrl,
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasmModule, imports).then((instance) => receive(instance, wasmModule));
      return {};
    },
  });
}

export const browserPlatform = {
  name: 'browser',
  hardwareThreads: () => Math.max(1, Math.min(globalThis.navigator?.hardwareConcurrency ?? 1, 16)),
  threadSupport: () => {
    if (typeof SharedArrayBuffer === 'undefined' || !globalThis.crossOriginIsolated) {
      return {
        ok: false,
        reason: 'the page is not cross-origin isolated (it needs the headers Cross-Origin-Opener-Policy: ' +
          'same-origin and Cross-Origin-Embedder-Policy: require-corp), so one thread runs',
      };
    }
    return { ok: true };
  },
  loadModule,
  source: { baseUrl: globalThis.location?.href },
};

Reranker._platform = browserPlatform;
Bm25Index._platform = browserPlatform;
RerankerWorker._baseUrl = globalThis.location?.href;
RerankerWorker._spawn = async () => {
  const w = new Worker(new URL('./worker-browser.js', import.meta.url), { type: 'module' });
  return {
    post: (m, transfer) => w.postMessage(m, transfer),
    onMessage: (fn) => { w.onmessage = (e) => fn(e.data); },
    onError: (fn) => { w.onerror = (e) => { e.preventDefault?.(); fn(e); }; },
    terminate: () => w.terminate(),
  };
};

export { Reranker };
export { Bm25Index };
export { IndorerankError };
export { RerankerWorker };
export { clearCache } from './source.js';

/** Node only: converting a model folder needs a file system. */
export async function convert() {
  throw new IndorerankError('convert() runs in Node (or use the native `indorerank convert`)', 'unimplemented');
}
