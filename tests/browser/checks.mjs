// Runs in the page: the package's browser build, imported as a web
// developer would, in the main thread and in a Web Worker.
import { Bm25Index, Reranker, RerankerWorker, IndorerankError, clearCache } from '/pkg/src/browser.js';

const MODEL = '/fixtures/tiny.int8.safetensors';
const log = (s) => { document.getElementById('log').textContent += '\n' + s; };

window.runChecks = async ({ query, passages, threads }) => {
  const out = { crossOriginIsolated: globalThis.crossOriginIsolated };
  await clearCache();

  const progress = [];
  const r = await Reranker.load(MODEL, { threads, onProgress: (l, t) => progress.push([l, t]) });
  out.progress = progress;
  out.main = await r.rerank(query, passages);
  out.mainInfo = r.info();
  log(`main thread: ${out.mainInfo.kernel}, ${out.mainInfo.threads} thread(s), ${out.mainInfo.threadMode}: ${out.mainInfo.threadNote}`);
  out.prefetched = await r.prefetch(); // the rest of the file into the Cache API
  out.rangedInfo = r.info().ranged;
  r.dispose();

  const cache = await caches.open('indorerank-models-v1');
  const part = (name) => cache.match(`${new URL(MODEL, location.href).href}?indorerank-part=${name}`);
  out.cached = !!(await part('head')) && !!(await part('index'));
  const modelRequests = () => performance.getEntriesByType('resource').filter((e) => e.name.includes(MODEL)).length;
  const before = modelRequests();
  const again = await Reranker.load(MODEL); // from the Cache API: no request
  out.fromCache = await again.rerank(query, passages);
  out.fromCacheRequests = modelRequests() - before;
  again.dispose();

  const w = await RerankerWorker.load(MODEL, { threads, cache: false });
  out.worker = await w.rerank(query, passages);
  out.workerInfo = w.info();
  w.dispose();

  try {
    await Reranker.load(new Uint8Array([1, 2, 3]));
    out.badBytes = 'loaded?!';
  } catch (e) {
    out.badBytes = { isIndorerankError: e instanceof IndorerankError, code: e.code, message: e.message };
  }
  try {
    await Reranker.load(MODEL, { maxLength: 9999 });
  } catch (e) {
    out.badOption = { name: e.name, message: e.message };
  }
  log('done');
  return out;
};
// The optional onnxruntime-web backend, with the module passed in as a page
// without a bundler would (served from the package's dist/ folder).
window.runOrtChecks = async ({ query, passages, threads }) => {
  const ort = await import('/ort/ort.min.mjs');
  const r = await Reranker.load('/fixtures/tiny/onnx/model.onnx', {
    backend: 'onnxruntime-web', onnxruntime: ort, tokenizer: '/fixtures/tiny/sentencepiece.bpe.model', threads, cache: false,
  });
  const out = { results: await r.rerank(query, passages), info: r.info() };
  r.dispose();
  log(`onnxruntime-web: ${out.info.threads} thread(s)`);
  return out;
};
// Every file of the package from another origin (a CDN), through wasmBase.
window.runCdnChecks = async ({ query, passages, threads, wasmBase }) => {
  const r = await Reranker.load(MODEL, { threads, wasmBase, cache: false });
  const out = { main: await r.rerank(query, passages), mainInfo: r.info() };
  r.dispose();
  const w = await RerankerWorker.load(MODEL, { threads, wasmBase, cache: false });
  out.worker = await w.rerank(query, passages);
  out.workerInfo = w.info();
  w.dispose();
  const index = await Bm25Index.create({ wasmBase });
  index.add('j', passages[0]);
  out.hits = index.search('jakarta');
  index.dispose();
  try {
    await Reranker.load(MODEL, { wasmBase: new URL('/no-such-folder/', wasmBase).href, cache: false });
  } catch (e) {
    out.missing = { code: e.code, message: e.message };
  }
  // The worker script itself missing there: an error, not a hang.
  const hang = new Promise((resolve) => { setTimeout(() => resolve('no answer in 30 s'), 30_000); });
  out.workerMissing = await Promise.race([hang, RerankerWorker.load(MODEL,
    { wasmBase: new URL('/no-such-folder/', wasmBase).href, cache: false }).then((x) => { x.dispose(); return 'loaded?!'; },
    (e) => ({ isIndorerankError: e instanceof IndorerankError, code: e.code, message: e.message }))]);
  log(`cdn: ${out.mainInfo.threadMode}`);
  return out;
};
// The kernels this browser runs: the engine's module, given the relaxed
// module as the package gives it, lists its kernels and checks each against
// the scalar reference at every tail size.
window.runKernelChecks = async () => {
  let relaxedSimd;
  try {
    relaxedSimd = await WebAssembly.compile(await (await fetch('/pkg/dist/indorerank-relaxed.wasm')).arrayBuffer());
  } catch {
    relaxedSimd = undefined;
  }
  const factory = (await import('/pkg/dist/indorerank-web.mjs')).default;
  const mod = await factory({ relaxedSimd });
  const names = mod.kernelNames();
  const checks = Object.fromEntries(names.map((n) => [n, mod.checkKernel(n, true)]));
  log(`kernels: ${names.join(', ')}`);
  return { names, checks };
};
// Load by name from a hub on another origin: Reranker, RerankerWorker, errors.
window.runHubChecks = async ({ hubUrl, query, passages, repo }) => {
  const out = {};
  const progress = [];
  let r = null;
  try {
    r = await Reranker.load(repo, { hubUrl, onProgress: (l, t) => progress.push([l, t]) });
    out.main = await r.rerank(query, passages);
    const w = await RerankerWorker.load(repo, { hubUrl });
    out.worker = await w.rerank(query, passages);
    w.dispose();
  } catch (e) {
    out.error = { name: e.name, code: e.code, message: e.message };
  }
  out.progress = progress;
  // A repo with only the Hugging Face checkpoint: converted in the page.
  try {
    const c = await Reranker.load('acme/tiny-checkpoint', { hubUrl });
    out.converted = await c.rerank(query, passages);
    out.convertedInfo = c.info();
    c.dispose();
  } catch (e) {
    out.converted = { error: { code: e.code, message: e.message } };
  }
  for (const [name, bad] of [['wrongSha', 'acme/wrong-sha'], ['missing', 'nobody/nothing']]) {
    try {
      await Reranker.load(bad, { hubUrl });
      out[name] = 'loaded?!';
    } catch (e) {
      out[name] = { isIndorerankError: e instanceof IndorerankError, code: e.code, message: e.message };
    }
  }
  // The failed loads left the first reranker working.
  if (r) {
    out.afterFailures = await r.rerank(query, passages);
    r.dispose();
  }
  const cache = await caches.open('indorerank-models-v1');
  out.cachedUrls = (await cache.keys()).map((req) => req.url).filter((u) => u.startsWith(hubUrl));
  log('hub: done');
  return out;
};
document.getElementById('log').textContent = 'ready';
