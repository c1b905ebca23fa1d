// DOM output of the demo: result lists and run figures. Text from the
// collection only ever goes in through textContent.

const SNIPPET_WORDS = 40;

export const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

export const formatMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`);
export const formatMiB = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

function snippet(text) {
  const words = text.split(/\s+/);
  return words.length <= SNIPPET_WORDS ? text : `${words.slice(0, SNIPPET_WORDS).join(' ')} …`;
}

// "▲3" when reranking moved the passage up 3 places, "▼2" down, "=" kept.
function move(r) {
  const d = r.bm25Rank - r.rerankRank;
  const span = el('span', `move ${d > 0 ? 'up' : d < 0 ? 'down' : 'same'}`, d > 0 ? `▲${d}` : d < 0 ? `▼${-d}` : '=');
  span.title = `BM25 rank ${r.bm25Rank}`;
  span.setAttribute('aria-label', d === 0 ? `same place as BM25 (${r.bm25Rank})`
    : `${d > 0 ? 'up' : 'down'} ${Math.abs(d)} from BM25 rank ${r.bm25Rank}`);
  return span;
}

function resultItem(r, column) {
  const li = el('li', 'result');
  li.dataset.id = r.id;
  const rank = column === 'bm25' ? r.bm25Rank : r.rerankRank;
  li.append(el('span', 'rank', String(rank)));
  const body = el('div', 'body');
  if (r.title || r.source) body.append(el('h3', 'title', r.title || r.source));
  body.append(el('p', 'snippet', snippet(r.text)));
  const meta = el('p', 'meta');
  if (column === 'bm25') {
    meta.append(el('span', 'score', `BM25 ${r.bm25Score.toFixed(2)}`));
    if (r.rerankRank) meta.append(el('span', 'after', `reranked #${r.rerankRank}`));
  } else {
    meta.append(el('span', 'score', `score ${r.score.toFixed(3)}`), move(r));
    li.dataset.score = String(r.score); // exact, for checks against other builds
  }
  if (r.truncated) {
    const badge = el('span', 'badge', 'truncated');
    badge.title = 'The passage did not fit the model window (256 tokens) and was cut for scoring';
    meta.append(badge);
  }
  body.append(meta);
  li.append(body);
  return li;
}

/** Fills a result list; `column` is 'bm25' or 'rerank'. */
export function renderList(list, results, column) {
  list.replaceChildren(...results.map((r) => resultItem(r, column)));
}

/** Shows stage times; each figure is also in data-ms for tests and benchmarks. */
export function renderTimes({ bm25Ms, rerankMs, totalMs }) {
  for (const [id, ms] of [['t-bm25', bm25Ms], ['t-rerank', rerankMs], ['t-total', totalMs]]) {
    const dd = $(id);
    if (ms === undefined) { dd.textContent = '…'; delete dd.dataset.ms; continue; }
    dd.textContent = formatMs(ms);
    dd.dataset.ms = ms.toFixed(3);
  }
}

/** Kernel, threads and memory from the reranker's info(). */
export function renderInfo(info) {
  $('kernel').textContent = info.kernel;
  $('threads').textContent = `${info.threads} (${info.threadMode === 'pthreads' ? 'WebAssembly threads' : 'single thread'})`;
  $('threads').dataset.threads = String(info.threads);
  $('mem').textContent = `${formatMiB(info.peakBytes)} working, ${formatMiB(info.wasmMemoryBytes)} wasm memory`;
  $('mem').title = `weights ${formatMiB(info.weightBytes)}; working-memory cap ${formatMiB(info.memoryLimit)}`;
  const note = $('thread-note');
  note.hidden = info.threadMode === 'pthreads';
  note.textContent = info.threadMode === 'pthreads' ? '' : `One thread: ${info.threadNote}.`;
}
