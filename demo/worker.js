// The demo's engine, in a module Web Worker so the page never blocks: a BM25
// index over the collection (first stage) and the int8 cross-encoder
// (second stage), both from the indorerank package served at ./pkg/.
//
// Messages in:  {type:'load', loadSeq, modelUrl, threads}  (loads run one after another)
//               {type:'corpus', passages?: [{id, title, text, source?}], label}  (no passages: the default
//               collection; title is searched with the text, source is only shown)
//               {type:'search', seq, query, bm25K, topK}
// Messages out: {type:'hello'} once this module runs, {type:'progress', loadSeq, loaded, total}
//               {type:'ready', loadSeq, info, loadMs}, {type:'cached', loadSeq, ok, message?}
//               (the whole model is in the cache: searches work offline),
//               {type:'corpus', count, label, examples?}
//               {type:'bm25', seq, bm25, bm25Ms, candidates, modelReady}  (before the model has
//               loaded, a search gives this only; the page searches again once it is ready)
//               {type:'rerank-progress', seq, done, total, reranked}  (the best so far, after each batch)
//               {type:'reranked', seq, bm25, reranked, bm25Ms, rerankMs, info}
//               {type:'cancelled', seq}, {type:'error', stage, seq?, loadSeq?, message, code?}
import { Reranker, Bm25Index } from './pkg/src/browser.js';

const DEFAULT_PASSAGES = new URL('./data/passages.jsonl', import.meta.url);
const DEFAULT_QUERIES = new URL('./data/queries.jsonl', import.meta.url);
// Pairs per rerank call: after each call the page gets the best so far, and
// the worker looks for a newer search and drops this one (scores do not
// depend on how pairs are batched).
const RERANK_BATCH = 5;

let reranker = null;
let index = null;
let texts = new Map(); // id -> { title, source, text }
let pendingSearch = null;
let loads = Promise.resolve();
let searching = false;

const post = (m) => self.postMessage(m);
const fail = (stage, e, seqs) => post({ type: 'error', stage, ...seqs, message: e?.message ?? String(e), code: e?.code });

// Lets queued messages (a newer search) arrive before the next batch.
const nextTask = () => new Promise((resolve) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => { ch.port1.close(); resolve(); };
  ch.port2.postMessage(0);
});

async function readJsonl(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not fetch ${url.pathname ?? url}: HTTP ${res.status}`);
  return (await res.text()).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

const passageText = ({ title, text }) => (title ? `${title}. ${text}` : text);

async function replaceCorpus(passages, label, examples) {
  const next = await Bm25Index.create({ k1: 1.2, b: 0.75 });
  try {
    next.addAll(passages.map((p) => ({ id: p.id, text: passageText(p) })));
  } catch (e) {
    next.dispose();
    throw e;
  }
  index?.dispose();
  index = next;
  texts = new Map(passages.map((p) => [p.id, { title: p.title ?? '', source: p.source ?? '', text: p.text }]));
  post({ type: 'corpus', count: index.size, label, examples });
}

// Read once: going back to the default collection makes no request.
let defaults = null;
async function loadDefaultCorpus() {
  if (!defaults) defaults = await Promise.all([readJsonl(DEFAULT_PASSAGES), readJsonl(DEFAULT_QUERIES)]);
  const [passages, queries] = defaults;
  await replaceCorpus(passages, 'default collection', queries.map((q) => q.query));
}

async function loadModel({ loadSeq, modelUrl, threads }) {
  reranker?.dispose();
  reranker = null;
  const t0 = performance.now();
  let last = 0;
  const r = await Reranker.load(modelUrl, {
    threads,
    revalidate: false, // model.json versions the URL: a cached copy is always current
    onProgress: (loaded, total) => {
      // At most ~60 updates a second reach the page, and always the first and last.
      const now = performance.now();
      if (last === 0 || loaded === total || now - last > 16) { last = now; post({ type: 'progress', loadSeq, loaded, total }); }
    },
  });
  reranker = r;
  const info = r.info();
  post({ type: 'ready', loadSeq, info, loadMs: performance.now() - t0 });
  // A model loaded by parts fetches the rest of itself after the first search
  // (the package starts that); the page says when it is all cached.
  if (!info.ranged || info.ranged.cached) post({ type: 'cached', loadSeq, ok: true });
  else cachedFor = { reranker: r, loadSeq };
}

let cachedFor = null; // the engine whose background download the page waits for

// The package downloads the rest a second after the last call; asking two
// seconds after this search joins that download (or starts it) without
// racing a search typed right after.
function watchPrefetch(engine) {
  if (!cachedFor || cachedFor.reranker !== engine) return;
  const { loadSeq } = cachedFor;
  cachedFor = null;
  setTimeout(() => prefetchWhenIdle(engine, loadSeq), 2000);
}

function prefetchWhenIdle(engine, loadSeq) {
  if (engine !== reranker) return; // replaced by a thread toggle: the new engine reports
  if (searching) { setTimeout(() => prefetchWhenIdle(engine, loadSeq), 500); return; }
  engine.prefetch().then(
    (ok) => post({ type: 'cached', loadSeq, ok }),
    (e) => post({ type: 'cached', loadSeq, ok: false, message: e?.message ?? String(e) }));
}

const item = (id, extra) => ({ id, ...texts.get(id), ...extra });

// Best first; ties keep the BM25 order. Numbers the ranks in place.
function rankScored(scored) {
  scored.sort((a, b) => b.score - a.score || a.bm25Rank - b.bm25Rank);
  scored.forEach((s, i) => { s.rerankRank = i + 1; });
}

async function search({ seq, query, bm25K, topK }) {
  const t0 = performance.now();
  const hits = index.search(query, { topK: bm25K });
  const bm25Ms = performance.now() - t0;
  const bm25 = hits.map((h, i) => item(h.id, { bm25Rank: i + 1, bm25Score: h.score }));
  post({ type: 'bm25', seq, bm25: bm25.slice(0, topK), bm25Ms, candidates: hits.length, modelReady: !!reranker });
  if (!reranker) return; // BM25 needs no model: its results show while the model downloads

  const scored = [];
  const engine = reranker;
  const t1 = performance.now();
  for (let i = 0; i < bm25.length; i += RERANK_BATCH) {
    if (i > 0) {
      await nextTask();
      // A newer search, or a new engine (thread toggle), replaces this one.
      if (pendingSearch || reranker !== engine) { post({ type: 'cancelled', seq }); return; }
    }
    const batch = bm25.slice(i, i + RERANK_BATCH);
    const out = await engine.rerank(query, batch.map((c) => ({ id: c.id, text: passageText(c) })));
    for (const r of out) scored.push({ ...batch[r.index], score: r.score, truncated: r.truncated });
    rankScored(scored);
    if (scored.length < bm25.length) {
      post({ type: 'rerank-progress', seq, done: scored.length, total: bm25.length, reranked: scored.slice(0, topK) });
    }
  }
  const rerankMs = performance.now() - t1;
  watchPrefetch(engine);
  const byId = new Map(scored.map((s) => [s.id, s]));
  post({
    type: 'reranked', seq, bm25Ms, rerankMs, info: engine.info(),
    bm25: bm25.slice(0, topK).map((b) => byId.get(b.id)),
    reranked: scored.slice(0, topK),
    scores: scored.map((c) => [c.id, c.score]), // every candidate, for checks against other builds
  });
}

async function drainSearches() {
  if (searching) return;
  searching = true;
  try {
    while (pendingSearch) {
      await nextTask(); // a burst of keystrokes: only the newest search runs
      const m = pendingSearch;
      pendingSearch = null;
      if (!m) break;
      try {
        if (!index) throw new Error('the collection is not loaded yet');
        await search(m);
      } catch (e) {
        fail('search', e, { seq: m.seq });
      }
    }
  } finally {
    searching = false;
  }
}

self.onmessage = async ({ data: m }) => {
  switch (m.type) {
    case 'load':
      loads = loads.then(async () => {
        try {
          if (!index) await loadDefaultCorpus();
        } catch (e) {
          fail('corpus', e);
          return;
        }
        try {
          await loadModel(m);
        } catch (e) {
          fail('model', e, { loadSeq: m.loadSeq });
        }
      });
      break;
    case 'corpus':
      try {
        if (m.passages) await replaceCorpus(m.passages, m.label);
        else await loadDefaultCorpus();
      } catch (e) {
        fail('corpus', e);
      }
      break;
    case 'search':
      pendingSearch = m;
      drainSearches();
      break;
    default:
      fail('protocol', new Error(`unknown message ${m.type}`));
  }
};

post({ type: 'hello' });
