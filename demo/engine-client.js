// The page's side of worker.js: starts the worker and turns its messages into
// callbacks. Every search and every model load carries a sequence number;
// replies to older ones than the newest are dropped here, so the page only
// ever shows the latest query and the latest engine.

export class Engine {
  /** @param {Record<string, (msg: any) => void>} handlers keyed by message type */
  constructor(handlers) {
    this.handlers = handlers;
    this.seq = 0;
    this.loadSeq = 0;
    this.worker = null;
  }

  /** Starts the worker; resolves once its module has loaded. */
  start() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'indorerank-demo' });
    return new Promise((resolve, reject) => {
      this.worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`the engine worker failed to start${e.message ? `: ${e.message}` : ''}`));
      };
      this.worker.onmessage = ({ data }) => {
        if (data.type === 'hello') {
          this.worker.onerror = (e) => { e.preventDefault(); this.emit({ type: 'error', stage: 'worker', message: e.message || 'the engine worker stopped' }); };
          resolve();
          return;
        }
        if (data.seq !== undefined && data.seq !== this.seq) return;
        if (data.loadSeq !== undefined && data.loadSeq !== this.loadSeq) return;
        this.emit(data);
      };
    });
  }

  emit(msg) {
    this.handlers[msg.type]?.(msg);
  }

  /** Loads (or reloads, e.g. with another thread count) the model. */
  load(modelUrl, threads) {
    this.loadSeq += 1;
    this.worker.postMessage({ type: 'load', loadSeq: this.loadSeq, modelUrl, threads });
  }

  /** Replaces the collection; no passages means the default collection. */
  setCorpus(passages, label) {
    this.worker.postMessage({ type: 'corpus', passages, label });
  }

  /** @returns {number} the search's sequence number */
  search(query, bm25K, topK) {
    this.seq += 1;
    this.worker.postMessage({ type: 'search', seq: this.seq, query, bm25K, topK });
    return this.seq;
  }
}
