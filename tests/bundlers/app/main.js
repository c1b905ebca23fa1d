// A web app as our users write one: the package imported by name, built by
// the bundler under test. OPTIONS is replaced per bundler ({} for all but
// esbuild, which emits none of the package's files and so needs wasmBase).
import { Reranker, RerankerWorker, Bm25Index, IndorerankError } from 'indorerank';

const OPTIONS = {};

window.runApp = async ({ model, query, passages, threads }) => {
  const out = { crossOriginIsolated: globalThis.crossOriginIsolated };
  const r = await Reranker.load(model, { ...OPTIONS, threads, cache: false });
  out.main = await r.rerank(query, passages);
  out.mainInfo = r.info();
  r.dispose();

  const w = await RerankerWorker.load(model, { ...OPTIONS, threads, cache: false });
  out.worker = await w.rerank(query, passages);
  out.workerInfo = w.info();
  w.dispose();

  const index = await Bm25Index.create(OPTIONS);
  index.addAll(passages.map((text, i) => ({ id: `p${i}`, text })));
  out.hits = index.search(query, { topK: 0 });
  index.dispose();

  try {
    await Reranker.load(model, { ...OPTIONS, backend: 'onnxruntime-web', tokenizer: model, cache: false });
    out.ortMissing = 'loaded?!';
  } catch (e) {
    out.ortMissing = { isIndorerankError: e instanceof IndorerankError, code: e.code, message: e.message };
  }
  return out;
};
document.getElementById('status').textContent = 'ready';
