// The demo page: wires the form to the engine worker and shows its results.
import { Engine } from './engine-client.js';
import { enableOffline } from './offline.js';
import { $, formatMiB, formatMs, renderInfo, renderList, renderTimes } from './render.js';
import { splitPassages } from './split.js';

const DEBOUNCE_MS = 300;
const EXAMPLES = 6;

const state = {
  modelUrl: null,
  ready: false, // the model is loaded
  indexReady: false, // the collection is indexed: BM25 works without the model
  offline: false,
  searchStart: 0,
  lastQuery: '',
  files: [], // [{ name, text }] dropped or chosen .txt files
};

const status = (text) => { $('status').textContent = text; };
const threadsWanted = () => (document.querySelector('input[name=threads]:checked').value === 'single' ? 1 : 0);

// The query box works as soon as the collection is indexed: BM25 results
// show while the model downloads, and the search runs again, reranked, once
// the model is ready.
function setReady(ready) {
  state.ready = ready;
  document.body.dataset.ready = String(ready);
}

const engine = new Engine({
  progress({ loaded, total }) {
    const bar = $('model-progress');
    bar.max = total;
    bar.value = loaded;
    bar.dataset.loaded = String(loaded);
    bar.dataset.total = String(total);
    $('model-progress-label').textContent = `Loading the engine and the model: ${formatMiB(loaded)} of ${formatMiB(total)}`;
  },
  ready({ info, loadMs }) {
    renderInfo(info);
    $('model-progress-label').textContent = info.ranged
      ? `Model loaded: ${formatMiB(info.layout.headBytes)} of ${formatMiB(info.fileBytes)} in ${formatMs(loadMs)}; ` +
        'the rest comes as searches need it'
      : `Model loaded: ${formatMiB(info.fileBytes)} in ${formatMs(loadMs)}`;
    delete $('model-panel').dataset.cached;
    $('model-panel').dataset.loaded = 'true';
    setReady(true);
    status(`Ready: ${info.threads} thread${info.threads > 1 ? 's' : ''}, ${info.kernel}` +
      `${state.offline ? '. This page now works offline.' : '.'}`);
    if ($('query').value.trim()) runSearch();
  },
  cached({ ok, message }) {
    if (!ok) {
      if (message) status(`The model could not be saved for offline use: ${message}`);
      return;
    }
    $('model-panel').dataset.cached = 'true';
    const label = $('model-progress-label');
    if (!/saved for offline use/.test(label.textContent)) label.textContent += ' · saved for offline use';
  },
  corpus({ count, label, examples }) {
    $('corpus-status').textContent = `Searching ${label}: ${count} passage${count === 1 ? '' : 's'}.`;
    $('corpus-status').dataset.count = String(count);
    if (examples) showExamples(examples);
    state.indexReady = true;
    document.body.dataset.indexReady = 'true';
    if ($('query').value.trim()) runSearch();
  },
  bm25({ bm25, bm25Ms, candidates, modelReady }) {
    renderList($('bm25-list'), bm25, 'bm25');
    $('rerank-list').replaceChildren();
    renderTimes({ bm25Ms });
    document.body.dataset.candidates = String(candidates);
    if (!candidates) {
      $('rerank-state').textContent = 'No passage matches these words.';
      document.body.dataset.search = 'done';
      document.body.dataset.query = state.lastQuery;
    } else if (!modelReady) {
      // Until the model is here, the BM25 list is the answer: show it first.
      $('rerank-state').textContent = `BM25 found ${candidates} candidates; they are reranked once the model has loaded.`;
      document.body.dataset.search = 'bm25-only';
      showView('bm25');
    } else {
      $('rerank-state').textContent = `0 of ${candidates} reranked…`;
      document.body.dataset.search = 'reranking';
    }
  },
  'rerank-progress'({ done, total, reranked }) {
    renderList($('rerank-list'), reranked, 'rerank');
    $('rerank-state').textContent = `${done} of ${total} reranked…`;
    document.body.dataset.reranked = String(done);
    showView('rerank');
  },
  reranked({ bm25, reranked, scores, bm25Ms, rerankMs, info }) {
    renderList($('bm25-list'), bm25, 'bm25');
    renderList($('rerank-list'), reranked, 'rerank');
    $('rerank-list').dataset.scores = JSON.stringify(scores); // every candidate's exact score, for checks
    renderTimes({ bm25Ms, rerankMs, totalMs: performance.now() - state.searchStart });
    renderInfo(info);
    $('rerank-state').textContent = reranked.length ? '' : 'No passage matches these words.';
    document.body.dataset.reranked = String(reranked.length);
    document.body.dataset.search = 'done';
    showView('rerank');
    document.body.dataset.query = state.lastQuery;
    status(reranked.length ? `${reranked.length} reranked results for “${state.lastQuery}”.`
      : `No passage matches “${state.lastQuery}”.`);
  },
  cancelled() {},
  error({ stage, message }) {
    document.body.dataset.search = 'error';
    if (stage === 'model' || stage === 'worker') {
      setReady(false);
      $('model-progress-label').textContent = 'The model could not be loaded.';
    }
    status(`${stage === 'search' ? 'Search' : stage === 'corpus' ? 'Collection' : 'Model'} error: ${message}`);
    $('status').classList.add('error');
  },
});

function showExamples(queries) {
  const box = $('examples');
  const buttons = queries.slice(0, EXAMPLES).map((q) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'example';
    b.lang = 'id';
    b.textContent = q;
    b.addEventListener('click', () => { $('query').value = q; runSearch(); });
    return b;
  });
  box.replaceChildren(...buttons);
}

// Phones show one list at a time (tabs above the lists); desktops show both.
function showView(view) {
  $('results').dataset.view = view;
  for (const tab of document.querySelectorAll('#result-tabs [role=tab]')) {
    const on = tab.dataset.view === view;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
  }
}

function runSearch() {
  clearTimeout(state.debounce);
  const query = $('query').value.trim();
  if (!state.indexReady) return;
  $('status').classList.remove('error');
  if (!query) {
    $('bm25-list').replaceChildren();
    $('rerank-list').replaceChildren();
    return;
  }
  state.lastQuery = query;
  state.searchStart = performance.now();
  document.body.dataset.search = 'bm25';
  renderTimes({});
  engine.search(query, Number($('bm25k').value), Number($('topk').value));
}

function useOwnText() {
  const passages = [];
  splitPassages($('paste').value).forEach((text, i) => passages.push({ id: `t${i + 1}`, title: '', text }));
  for (const f of state.files) {
    splitPassages(f.text).forEach((text, i) => passages.push({ id: `${f.name}#${i + 1}`, title: '', source: `${f.name} ¶${i + 1}`, text }));
  }
  if (!passages.length) {
    status('Paste some text or choose a .txt file first.');
    return;
  }
  const names = state.files.map((f) => f.name);
  engine.setCorpus(passages, names.length ? `your text and ${names.join(', ')}` : 'your text');
}

async function addFiles(fileList) {
  const files = [...fileList].filter((f) => f.name.toLowerCase().endsWith('.txt') || f.type === 'text/plain');
  if (!files.length) { status('Only .txt files can be searched.'); return; }
  for (const f of files) {
    const text = await f.text();
    state.files = state.files.filter((g) => g.name !== f.name); // a file added again replaces itself
    state.files.push({ name: f.name, text });
  }
  status(`Added ${files.map((f) => f.name).join(', ')}.`);
  useOwnText();
}

function wire() {
  $('search-form').addEventListener('submit', (e) => { e.preventDefault(); runSearch(); });
  $('query').addEventListener('input', () => {
    clearTimeout(state.debounce);
    state.debounce = setTimeout(runSearch, DEBOUNCE_MS);
  });
  for (const id of ['bm25k', 'topk']) $(id).addEventListener('change', runSearch);
  const tabs = [...document.querySelectorAll('#result-tabs [role=tab]')];
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => showView(tab.dataset.view));
    tab.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      const next = tabs[(i + 1) % tabs.length];
      showView(next.dataset.view);
      next.focus();
    });
  });
  for (const r of document.querySelectorAll('input[name=threads]')) r.addEventListener('change', loadModel);
  $('use-text').addEventListener('click', useOwnText);
  $('use-default').addEventListener('click', () => { state.files = []; engine.setCorpus(null); });
  $('files').addEventListener('change', (e) => addFiles(e.target.files));
  const paste = $('paste');
  // Files dropped on the text box are added; dropped text is inserted as usual.
  const hasFiles = (e) => e.dataTransfer?.types?.includes('Files');
  paste.addEventListener('dragover', (e) => { if (hasFiles(e)) { e.preventDefault(); paste.classList.add('drop'); } });
  paste.addEventListener('dragleave', () => paste.classList.remove('drop'));
  paste.addEventListener('drop', (e) => {
    paste.classList.remove('drop');
    if (!hasFiles(e)) return;
    e.preventDefault();
    addFiles(e.dataTransfer.files);
  });
}

function loadModel() {
  setReady(false);
  $('model-panel').dataset.loaded = 'false';
  $('model-progress').value = 0;
  $('model-progress-label').textContent = 'Loading the model…';
  status('Loading the model…');
  engine.load(state.modelUrl, threadsWanted());
}

async function start() {
  wire();
  setReady(false);
  state.offline = await enableOffline();
  let meta;
  try {
    const res = await fetch('./model/model.json');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    meta = await res.json();
  } catch (e) {
    status(`Could not read model/model.json (${e.message}): is the demo server running?`);
    return;
  }
  $('synthetic-banner').hidden = !meta.synthetic;
  $('model-source').textContent = meta.source;
  const url = new URL(`./model/${encodeURIComponent(meta.file)}`, location.href);
  if (meta.version) url.searchParams.set('v', meta.version);
  state.modelUrl = url.href;
  try {
    await engine.start();
  } catch (e) {
    status(e.message);
    return;
  }
  loadModel();
}

start();
