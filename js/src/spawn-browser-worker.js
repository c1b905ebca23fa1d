// Starts the Web Worker of RerankerWorker (kept apart from the platform so
// the worker's own bundle never references itself).
import { baseUrl, resolveFiles, workerScriptUrl } from './platform-browser.js';

/** Starts the Web Worker of RerankerWorker; it is sent the page's files. */
export function spawnBrowserWorker(options) {
  const w = options.wasmBase !== undefined
    ? new Worker(workerScriptUrl(new URL('indorerank-worker.mjs', baseUrl(options.wasmBase)).href), { type: 'module' })
    : new Worker(new URL('../dist/indorerank-worker.mjs', import.meta.url), { type: 'module' });
  return {
    files: resolveFiles(options),
    post: (m, transfer) => w.postMessage(m, transfer),
    onMessage: (fn) => { w.onmessage = (e) => fn(e.data); },
    onError: (fn) => {
      w.onerror = (e) => {
        e.preventDefault?.();
        fn(new Error(e.message || 'the worker script could not be loaded (see the browser console); if a bundler ' +
          "built this page, serve the package's dist/ folder and pass its URL as wasmBase"));
      };
    },
    terminate: () => w.terminate(),
  };
}
