// The demo page in Debian's Chromium with the full-shape fixture model and
// the default collection: median time of BM25 search + rerank of the top 20
// and top 100 candidates, one thread and threaded (cross-origin isolated),
// over a fixed set of queries from demo/data/queries.jsonl: the first ones
// (in file order) that match at least 100 passages, so "top 100" is 100 pairs.
//
//   node bench/demo_browser.mjs --model build/native/fixtures/full.int8.safetensors [--queries 6]
//                               [--engine chromium|firefox|webkit]
//
// Chromium searches two pages (one thread, threads) in turn; Firefox ESR and
// WebKitGTK (tests/browser/engines.mjs, Node 22 or later) have one window, so
// each thread mode runs its queries in a row, one thread first.
//
// Times are the worker's own (BM25 search, then all reranking batches);
// "page" adds the messages to and from the worker and the rendering.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishModel, startDemoServer } from '../tools/demo_server.mjs';
import { launchChromium } from '../tests/browser/chromium.mjs';
import { DISPLAY, ENGINES, launchEngine } from '../tests/browser/engines.mjs';
import { Bm25Index, Reranker } from '../js/src/node.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const model = path.resolve(arg('model', path.join(root, 'build/native/fixtures/full.int8.safetensors')));
const nQueries = Number(arg('queries', 6));
const engineName = arg('engine', 'chromium');
if (!ENGINES.includes(engineName)) throw new Error(`--engine takes ${ENGINES.join(', ')}`);

const readJsonl = (f) => readFileSync(path.join(root, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
// The worker's index: same options, same text (title. text).
const texts = new Map(readJsonl('demo/data/passages.jsonl').map((p) => [p.id, `${p.title}. ${p.text}`]));
const index = await Bm25Index.create({ k1: 1.2, b: 0.75 });
index.addAll([...texts].map(([id, text]) => ({ id, text })));
const queries = readJsonl('demo/data/queries.jsonl').map((q) => q.query)
  .filter((q) => index.search(q, { topK: 0 }).length >= 100).slice(0, nQueries);

// What the pairs look like: tokens per pair (max 256) and the share cut to fit.
async function pairShape(k) {
  const r = await Reranker.load(model);
  let n = 0, tokens = 0, cut = 0;
  for (const q of queries) {
    for (const h of index.search(q, { topK: k })) {
      const e = await r.tokenize(q, texts.get(h.id));
      n += 1; tokens += e.inputIds.length; cut += e.truncated ? 1 : 0;
    }
  }
  r.dispose();
  return `${(tokens / n).toFixed(0)} tokens per pair, ${Math.round((100 * cut) / n)}% truncated`;
}
const shapes = { 20: await pairShape(20), 100: await pairShape(100) };
index.dispose();

const modelDir = path.join(root, 'build/bench-demo/model');
publishModel(modelDir, model, { synthetic: true, source: 'full-shape fixture (benchmark)', version: 'bench' });

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

// In the page: the last search's figures.
function readFigures() {
  const ms = (id) => Number(document.getElementById(id).dataset.ms);
  return { bm25: ms('t-bm25'), rerank: ms('t-rerank'), total: ms('t-total'), candidates: Number(document.body.dataset.candidates),
    threads: Number(document.getElementById('threads').dataset.threads), mem: document.getElementById('mem').textContent,
    kernel: document.getElementById('kernel').textContent };
}

async function search(page, query) {
  await page.fill('#query', query);
  await page.locator('#query').press('Enter');
  await page.waitForFunction((q) => document.body.dataset.search === 'done' && document.body.dataset.query === q,
    query, { timeout: 600_000 });
  return page.evaluate(readFigures);
}

async function openPage(context, url, threads) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 600_000 });
  if (threads === 'single') {
    await page.check('input[name=threads][value=single]');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 600_000 });
  }
  return page;
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// The same search through engines.mjs's page API: the value set, the form submitted.
async function searchByScript(page, query) {
  await page.evaluate((q) => {
    document.getElementById('query').value = q;
    document.getElementById('search-form').requestSubmit();
  }, query);
  await page.waitForFunction((q) => document.body.dataset.search === 'done' && document.body.dataset.query === q,
    query, 600_000);
  return page.evaluate(readFigures);
}

// Firefox or WebKit: per thread mode, the page loaded, then top 20 and top 100.
async function runInEngine(url) {
  const { page, version, close } = await launchEngine(engineName);
  const runs = [];
  try {
    for (const mode of ['single', 'auto']) {
      await page.goto(url);
      await page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, 600_000);
      if (mode === 'single') {
        await page.evaluate(() => { document.querySelector('input[name=threads][value=single]').click(); });
        await page.waitForFunction(() => document.body.dataset.ready === 'true' &&
          document.getElementById('threads').dataset.threads === '1', undefined, 600_000);
      }
      for (const k of [20, 100]) {
        await page.evaluate((n) => {
          const select = document.getElementById('bm25k');
          select.value = String(n);
          select.dispatchEvent(new Event('change', { bubbles: true }));
        }, k);
        await searchByScript(page, 'harga beras di pasar tradisional'); // warm-up, not counted
        const r = [];
        for (const q of queries) {
          const x = await searchByScript(page, q);
          if (x.candidates !== k) throw new Error(`"${q}": ${x.candidates} candidates reranked, not ${k}`);
          r.push(x);
        }
        runs.push({ k, r });
      }
    }
  } finally {
    await close();
  }
  return { runs, browser: version };
}

async function main() {
  const server = await startDemoServer({ modelDir, isolated: true });
  const rows = [];
  const loadBefore = loadavg();
  const summarize = (r, k) => {
    const row = {
      threads: r[0].threads, k,
      bm25: median(r.map((x) => x.bm25)), rerank: median(r.map((x) => x.rerank)),
      both: median(r.map((x) => x.bm25 + x.rerank)), page: median(r.map((x) => x.total)), mem: r.at(-1).mem,
      kernel: r.at(-1).kernel,
    };
    rows.push(row);
    console.error(`  ${row.threads} thread(s), top ${k}: ${row.both.toFixed(0)} ms`);
  };
  let browser;
  if (engineName !== 'chromium') {
    try {
      const got = await runInEngine(server.url);
      browser = `${got.browser}, ${DISPLAY[engineName]}`;
      for (const { k, r } of got.runs) summarize(r, k);
    } finally {
      await server.close();
    }
    report(browser, loadBefore, rows);
    return;
  }
  const { context, close } = await launchChromium();
  try {
    // Two pages, one per thread mode, searched in turn so both see the same machine load.
    const pages = { single: await openPage(context, server.url, 'single'), auto: await openPage(context, server.url, 'auto') };
    for (const k of [20, 100]) {
      const runs = { single: [], auto: [] };
      for (const page of Object.values(pages)) {
        await page.selectOption('#bm25k', String(k));
        await search(page, 'harga beras di pasar tradisional'); // warm-up, not counted
      }
      for (const q of queries) {
        for (const mode of ['single', 'auto']) {
          const r = await search(pages[mode], q);
          if (r.candidates !== k) throw new Error(`"${q}": ${r.candidates} candidates reranked, not ${k}`);
          runs[mode].push(r);
        }
      }
      for (const mode of ['single', 'auto']) summarize(runs[mode], k);
    }
  } finally {
    await close();
    await server.close();
  }

  browser = execFileSync('/usr/bin/chromium', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() +
    `, ${DISPLAY.chromium}`;
  report(browser, loadBefore, rows);
}

function report(browser, loadBefore, rows) {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? os.cpus()[0]?.model;
  console.log(`machine: ${cpu}, ${os.cpus().length} cores (load average ${loadBefore} before, ${loadavg()} after); ` +
    `${browser}; model ${path.basename(model)}; ${queries.length} queries, median`);
  console.log(`pairs: top 20 ${shapes[20]}; top 100 ${shapes[100]}`);
  console.log('| engine threads | kernel (the page picked it) | candidates reranked | BM25 ms | rerank ms | search + rerank ms | in the page ms | peak memory |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows.sort((a, b) => a.threads - b.threads || a.k - b.k)) {
    console.log(`| ${r.threads} | ${r.kernel} | ${r.k} | ${r.bm25.toFixed(1)} | ${r.rerank.toFixed(0)} | ${r.both.toFixed(0)} | ${r.page.toFixed(0)} | ${r.mem} |`);
  }
}

await main();
process.exit(0);
