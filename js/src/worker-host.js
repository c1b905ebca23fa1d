// The worker side of RerankerWorker: one Reranker, driven by messages.
import { IndorerankError } from './errors.js';

export function serveReranker(Reranker, post, onMessage) {
  let reranker = null;
  onMessage(async (m) => {
    const reply = (ok, value) => {
      let info = null;
      try { info = reranker && !reranker.disposed ? reranker.info() : null; } catch { /* stopped */ }
      post(ok ? { id: m.id, ok, value, info } : { id: m.id, ok, error: value, info });
    };
    try {
      let value;
      switch (m.op) {
        case 'load': {
          const options = { ...m.options };
          if (m.progress) options.onProgress = (loaded, total) => post({ id: m.id, progress: [loaded, total] });
          reranker = await Reranker.load(m.source, options);
          value = null;
          break;
        }
        case 'rerank': value = await reranker.rerank(m.query, m.texts, m.options); break;
        case 'tokenize': value = await reranker.tokenize(m.query, m.passage); break;
        case 'scoreIds': value = await reranker.scoreIds(m.sequences); break;
        case 'prefetch': value = await reranker.prefetch(); break;
        default: throw new IndorerankError(`unknown worker request ${m.op}`, 'internal');
      }
      reply(true, value);
    } catch (e) {
      reply(false, { name: e?.name ?? 'Error', message: e?.message ?? String(e), code: e?.code });
    }
  });
}
