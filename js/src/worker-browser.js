// Web Worker entry of RerankerWorker. Bundled with its imports into
// dist/indorerank-worker.mjs (tools/bundle_worker.mjs), so it runs wherever
// that one file is served; the page sends the URLs of the other files.
import { browserPlatform } from './platform-browser.js';
import { RerankerBase } from './reranker.js';
import { serveReranker } from './worker-host.js';

class Reranker extends RerankerBase {
  static _platform = browserPlatform;
}

serveReranker(Reranker, (m) => self.postMessage(m), (fn) => { self.onmessage = (e) => fn(e.data); });
