// Worker-thread entry of RerankerWorker (Node).
import { parentPort } from 'node:worker_threads';
import { Reranker } from './node.js';
import { serveReranker } from './worker-host.js';

serveReranker(Reranker, (m) => parentPort.postMessage(m), (fn) => parentPort.on('message', fn));
