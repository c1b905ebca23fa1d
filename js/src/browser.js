// Entry point for browsers and Web Workers (the "browser" and default export
// conditions). Each class is bound to the browser platform here, statically:
// importing this module runs nothing.
import { Bm25IndexBase } from './bm25.js';
import { IndorerankError } from './errors.js';
import { browserPlatform } from './platform-browser.js';
import { RerankerBase } from './reranker.js';
import { spawnBrowserWorker } from './spawn-browser-worker.js';
import { RerankerWorkerBase } from './worker-client.js';

export class Reranker extends RerankerBase {
  static _platform = browserPlatform;
}

export class RerankerWorker extends RerankerWorkerBase {
  static _platform = { ...browserPlatform, spawnWorker: spawnBrowserWorker };
}

export class Bm25Index extends Bm25IndexBase {
  static _platform = browserPlatform;
}

export { IndorerankError };
export { clearBrowserCache as clearCache } from './cache-browser.js';

/** Node only: converting a model folder needs a file system. */
export async function convert() {
  throw new IndorerankError('convert() runs in Node (or use the native `indorerank convert`)', 'unimplemented');
}

/** Node only: in browsers Reranker.load(repo) keeps the model in the Cache API. */
export async function fetchModel() {
  throw new IndorerankError('fetchModel() runs in Node; in a browser, Reranker.load(repo) downloads and caches the model', 'unimplemented');
}
