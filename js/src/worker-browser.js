// Web Worker entry of RerankerWorker.
import { Reranker } from './browser.js';
import { serveReranker } from './worker-host.js';

serveReranker(Reranker, (m) => self.postMessage(m), (fn) => { self.onmessage = (e) => fn(e.data); });
