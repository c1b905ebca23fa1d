// What the browser build (pages and Web Workers) needs from its host: the
// package's run-time files, WebAssembly compilation, workers, and threads.
//
// Every file is named by a static `new URL('../dist/…', import.meta.url)` (and
// the worker by `new Worker(new URL(…), { type: 'module' })`): the forms Vite,
// webpack, Parcel and Rollup's import.meta assets plugin detect and emit.
// Nothing here runs when the module is imported (server-side rendering
// imports it without a window).
import { openBrowserStore } from './cache-browser.js';
import { IndorerankError } from './errors.js';
import { relaxedSimdValidates } from './relaxed-simd.js';
import { fromStream, readAll } from './streams.js';
import { Sha256 } from './sha256.js';

/**
 * @typedef {{ wasm: string, glue: string, pthreadWorker?: string, relaxed?: string }} VariantFiles
 * @typedef {{ single: VariantFiles, mt: VariantFiles }} PackageFiles
 */

/** The files as the bundler placed them (or next to src/ without a bundler). */
function bundledFiles() {
  return {
    single: {
      wasm: new URL('../dist/indorerank-web.wasm', import.meta.url).href,
      glue: new URL('../dist/indorerank-web.mjs', import.meta.url).href,
      relaxed: new URL('../dist/indorerank-relaxed.wasm', import.meta.url).href,
    },
    mt: {
      wasm: new URL('../dist/indorerank-web-mt.wasm', import.meta.url).href,
      glue: new URL('../dist/indorerank-web-mt.mjs', import.meta.url).href,
      pthreadWorker: new URL('../dist/indorerank-web-mt.worker.js', import.meta.url).href,
      relaxed: new URL('../dist/indorerank-relaxed-mt.wasm', import.meta.url).href,
    },
  };
}

/** The same files under one base URL (a CDN, another origin, a copied dist/). */
function filesUnder(base) {
  const at = (name) => new URL(name, base).href;
  return {
    single: { wasm: at('indorerank-web.wasm'), glue: at('indorerank-web.mjs'), relaxed: at('indorerank-relaxed.wasm') },
    mt: {
      wasm: at('indorerank-web-mt.wasm'), glue: at('indorerank-web-mt.mjs'), pthreadWorker: at('indorerank-web-mt.worker.js'),
      relaxed: at('indorerank-relaxed-mt.wasm'),
    },
  };
}

const pageUrl = () => globalThis.location?.href;

/** `wasmBase` as an absolute URL ending in '/'. */
export function baseUrl(wasmBase) {
  let base;
  try {
    base = new URL(String(wasmBase), pageUrl());
  } catch {
    throw new TypeError(`wasmBase must be a URL (got ${JSON.stringify(String(wasmBase))})`);
  }
  return base.href.endsWith('/') ? base.href : base.href + '/';
}

/**
 * The files to load: `files` when given (a worker gets its page's), else
 * those under `wasmBase`, else the bundled ones.
 * @returns {PackageFiles}
 */
export function resolveFiles({ wasmBase, files } = {}) {
  if (files) return files;
  return wasmBase !== undefined ? filesUnder(baseUrl(wasmBase)) : bundledFiles();
}

const sameOrigin = (url) => !globalThis.location || new URL(url).origin === globalThis.location.origin;

// A worker script on another origin (a CDN) cannot be started directly; a
// same-origin blob that imports it can. Every worker here is a module worker.
// The import is dynamic: WebKit refuses a static cross-origin import in a
// blob worker of a cross-origin isolated page, and loads the dynamic one. The
// worker's first messages may come before the script has set its onmessage,
// so they wait and are dispatched again once it has; a failed import is
// thrown where the page's Worker sees it (its error event).
export function workerScriptUrl(url) {
  if (sameOrigin(url)) return url;
  const source = `const early = [];
self.onmessage = (e) => { early.push(e); };
import(${JSON.stringify(url)}).then(() => {
  for (const e of early) self.dispatchEvent(new MessageEvent('message', { data: e.data, ports: [...e.ports] }));
}, (e) => {
  const error = new Error(${JSON.stringify(`could not load ${url}`)} + ': ' + (e && e.message ? e.message : e) +
    ". Serve the package's dist/ folder and pass its URL as wasmBase");
  setTimeout(() => { throw error; });
});`;
  return URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
}

function notFound(name, url, detail) {
  return new IndorerankError(`could not load ${name} from ${url}: ${detail}. If a bundler built this page, it did not emit ` +
    "the package's dist/ files: copy node_modules/indorerank/dist/ to your site and pass its URL as the wasmBase option", 'not_found');
}

// The WebAssembly magic number: anything else (an HTML fallback page, a 404
// body) is a misplaced file, said as such.
const isWasm = (b) => b.length >= 4 && b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d;

// onBytes(loaded, total) follows the download (total: Content-Length, else loaded).
async function compile(url, onBytes) {
  const name = url.split(/[?#]/)[0].split('/').pop();
  let res;
  try {
    res = await fetch(url, { credentials: 'same-origin' });
  } catch (e) {
    throw notFound(name, url, e && e.message ? e.message : String(e));
  }
  if (!res.ok) throw notFound(name, url, `HTTP ${res.status}`);
  const encoded = res.headers.get('content-encoding');
  const announced = !encoded || encoded === 'identity' ? Number(res.headers.get('content-length')) || 0 : 0;
  const bytes = await readAll({ total: announced || null, chunks: fromStream(res.body, name) },
    onBytes && ((loaded) => onBytes(loaded, Math.max(announced, loaded))));
  if (!isWasm(bytes)) throw notFound(name, url, `the server sent ${res.headers.get('content-type') || 'something'} that is not WebAssembly`);
  return WebAssembly.compile(bytes);
}

const compiled = new Map(); // wasm URL -> Promise<WebAssembly.Module>

function compiledModule(url, onBytes) {
  let pending = compiled.get(url);
  if (!pending) {
    pending = compile(url, onBytes);
    compiled.set(url, pending);
    pending.catch(() => compiled.delete(url));
  }
  return pending;
}

const relaxedModules = new Map(); // URL -> Promise<{ module, bytes } | undefined>

/**
 * The relaxed-SIMD kernel's module, compiled, and its bytes (pthreads compile
 * their own copies); undefined where this engine has no relaxed SIMD or the
 * file cannot be had (the engine then runs its SIMD128 kernel: the same
 * scores, slower).
 */
function relaxedModule(url) {
  if (!relaxedSimdValidates()) return undefined;
  let pending = relaxedModules.get(url);
  if (!pending) {
    pending = (async () => {
      try {
        const res = await fetch(url, { credentials: 'same-origin' });
        if (!res.ok) return undefined;
        const bytes = new Uint8Array(await res.arrayBuffer());
        return { module: await WebAssembly.compile(bytes), bytes };
      } catch {
        return undefined;
      }
    })();
    relaxedModules.set(url, pending);
  }
  return pending;
}

async function importGlue(url) {
  try {
    return (await import(/* webpackIgnore: true */ /* @vite-ignore */ url)).default;
  } catch (e) {
    throw notFound(url.split(/[?#]/)[0].split('/').pop(), url, e && e.message ? e.message : String(e));
  }
}

/**
 * A new instance of the core module.
 * @param {'single' | 'mt'} variant
 * @param {{ threadPoolSize: number, files?: PackageFiles, wasmBase?: string | URL,
 *           onBytes?: (loaded: number, total: number) => void }} options
 *   onBytes: the download of the .wasm file, when this page has not compiled it yet
 */
async function loadModule(variant, options) {
  const f = resolveFiles(options)[variant];
  // All three load at once; when several fail, the .wasm file's error is the
  // one reported (it carries the HTTP status), whichever failed first.
  const settled = await Promise.allSettled([compiledModule(f.wasm, options.onBytes),
    importGlue(f.glue), f.relaxed ? relaxedModule(f.relaxed) : undefined]);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const [wasmModule, factory, relaxed] = settled.map((s) => s.value);
  return factory({
    threadPoolSize: options.threadPoolSize,
    relaxedSimd: relaxed?.module,
    relaxedSimdBytes: relaxed?.bytes,
    mainScriptUrlOrBlob: f.glue,
    locateFile: (file) => (file.endsWith('.worker.js') && f.pthreadWorker ? workerScriptUrl(f.pthreadWorker) : file),
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
    if (!globalThis.crossOriginIsolated) {
      return {
        ok: false,
        reason: 'the page is not cross-origin isolated (it needs the headers Cross-Origin-Opener-Policy: ' +
          'same-origin and Cross-Origin-Embedder-Policy: require-corp), so one thread runs',
      };
    }
    // Some engines (WebKitGTK) keep the global hidden even then; the threads'
    // code needs it.
    if (typeof SharedArrayBuffer === 'undefined') {
      return {
        ok: false,
        reason: 'the page is cross-origin isolated, but this browser does not provide SharedArrayBuffer, ' +
          'which WebAssembly threads need, so one thread runs',
      };
    }
    return { ok: true };
  },
  loadModule,
  source: {
    get baseUrl() { return pageUrl(); },
    openStore: () => openBrowserStore(),
    hasher: () => new Sha256(),
    loadModule,
  },
};
