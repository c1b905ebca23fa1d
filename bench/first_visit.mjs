// A first visit to the demo in Debian's Chromium: a fresh profile (cold
// cache), the default collection, the model served by range as a static host
// would, and 20 queries typed on the keyboard, the first while the model
// downloads. Prints:
//   - bytes the server sent before the first reranked result showed (page,
//     code, collection, model parts), and the model file's size;
//   - WebAssembly memory at that point, as the engine reports it;
//   - per query: time from the last keystroke to the reranked list, model
//     bytes fetched for it;
//   - that every shown score equals the whole model's, bit for bit (the same
//     pairs scored in Node from the whole file); the run fails otherwise;
//   - once the page says the model is saved for offline use: a reload with
//     the server gone, pasted text with pieces the collection never used,
//     scores again equal to the whole model's.
// Default model: the spread fixture (`make fixtures-spread`), whose tokenizer
// spreads its pieces over the id range as XLM-R's does.
//
//   node bench/first_visit.mjs [--model build/native/fixtures/spread.int8.safetensors] [--queries 20]
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishModel, startDemoServer } from '../tools/demo_server.mjs';
import { launchChromium } from '../tests/browser/chromium.mjs';
import { Reranker } from '../js/src/node.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const model = path.resolve(arg('model', path.join(root, 'build/native/fixtures/spread.int8.safetensors')));
const nQueries = Number(arg('queries', 20));
const MiB = (n) => `${(n / 1048576).toFixed(1)} MiB`;

const readJsonl = (f) => readFileSync(path.join(root, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const passages = new Map(readJsonl('demo/data/passages.jsonl').map((p) => [p.id, p]));
const textOf = (id) => { const p = passages.get(id); return `${p.title}. ${p.text}`; };
const queries = readJsonl('demo/data/queries.jsonl').map((q) => q.query).slice(0, nQueries);
const PASTED = [
  'Zebra ungu melompati pagar bambu di Wamena sambil bernyanyi keroncong tiap Jumat malam.',
  'Ketoprak, gado-gado dan pempek Palembang dijual di pasar Kramat Jati; harganya naik ÿ 12% 🙂.',
  'Kapal pinisi dari Bulukumba berlayar ke Raja Ampat membawa wisatawan Jepang dan Korea.',
].join('\n\n');

const modelDir = path.join(root, 'build/bench-first-visit/model');
publishModel(modelDir, model, { synthetic: true, source: 'spread fixture (benchmark)', version: String(statSync(model).mtimeMs) });
const whole = await Reranker.load(model); // the reference: the whole file, in Node

// Records in the page when the first reranked result appears, and when the
// first search has reranked all its candidates.
function observe() {
  new MutationObserver(() => {
    const list = document.getElementById('rerank-list');
    if (list && list.children.length && !window.__firstResultAt) window.__firstResultAt = Date.now();
    if (list && list.children.length && document.body.dataset.search === 'done' && !window.__firstDoneAt) window.__firstDoneAt = Date.now();
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-search'] });
}

async function typeAndWait(page, query) {
  await page.locator('#query').fill('');
  await page.locator('#query').type(query, { delay: 20 });
  const typed = Date.now();
  await page.waitForFunction((q) => document.body.dataset.search === 'done' && document.body.dataset.query === q &&
    document.getElementById('rerank-list').children.length > 0, query, { timeout: 600_000 });
  const ms = Date.now() - typed;
  const shown = await page.evaluate(() => ({
    rerank: [...document.querySelectorAll('#rerank-list li')].map((li) => ({ id: li.dataset.id, score: Number(li.dataset.score) })),
    mem: document.getElementById('mem').textContent,
  }));
  return { ms, ...shown };
}

/** Every shown score against the whole model's for the same pairs; returns how many differ. */
async function compare(query, shown, text) {
  const expected = await whole.rerank(query, shown.map((r) => text(r.id)));
  let bad = 0;
  for (const e of expected) if (shown[e.index].score !== e.score) bad += 1;
  return bad;
}

const wasmMiB = (mem) => Number(/([\d.]+) MiB wasm memory/.exec(mem)?.[1]);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

async function main() {
  let server = await startDemoServer({ modelDir, isolated: true });
  const { context, close } = await launchChromium({ viewport: { width: 1280, height: 900 } });
  const modelPath = `/model/${path.basename(model)}`;
  let differ = 0, pairs = 0;
  try {
    await context.addInitScript(observe);
    const page = context.pages()[0] ?? (await context.newPage());
    const t0 = Date.now();
    await page.goto(server.url);
    const first = await typeAndWait(page, queries[0]);
    const firstAt = await page.evaluate(() => window.__firstResultAt);
    const before = server.transfers.filter((t) => t.at < firstAt);
    const modelBefore = sum(before.filter((t) => t.path === modelPath).map((t) => t.bytes));
    console.log(`model file: ${MiB(statSync(model).size)} (${path.basename(model)})`);
    console.log(`first reranked result: ${((firstAt - t0) / 1000).toFixed(2)} s after navigation; ` +
      `${MiB(sum(before.map((t) => t.bytes)))} sent before it (${MiB(modelBefore)} of the model in ` +
      `${before.filter((t) => t.path === modelPath).length} range requests, ${MiB(sum(before.map((t) => t.bytes)) - modelBefore)} page, code and collection); ` +
      `WebAssembly memory ${wasmMiB(first.mem).toFixed(1)} MiB`);
    const doneAt = await page.evaluate(() => window.__firstDoneAt);
    if (process.env.DEBUG_TRANSFERS) {
      const m = server.transfers.filter((t) => t.path === modelPath);
      for (const [a, b] of [[0, firstAt], [firstAt, doneAt], [doneAt, Infinity]]) {
        const x = m.filter((t) => t.at >= a && t.at < b);
        console.log(`  ${x.length} model requests, ${MiB(sum(x.map((t) => t.bytes)))}, sizes ${JSON.stringify(x.slice(0, 40).map((t) => t.bytes))}`);
      }
    }
    const all = server.transfers.filter((t) => t.at < doneAt);
    console.log(`all candidates of the first query reranked: ${((doneAt - t0) / 1000).toFixed(2)} s after navigation; ` +
      `${MiB(sum(all.map((t) => t.bytes)))} sent before (${MiB(sum(all.filter((t) => t.path === modelPath).map((t) => t.bytes)))} of the model)`);
    differ += await compare(queries[0], first.rerank, textOf);
    pairs += first.rerank.length;

    console.log('\n| query | ms after typing | model bytes sent meanwhile (its blocks, and the background download) | wasm memory |\n|---|---|---|---|');
    console.log(`| 1 | ${first.ms} (model loading) | ${MiB(modelBefore)} | ${wasmMiB(first.mem).toFixed(1)} MiB |`);
    const fillFrom = server.transfers.length;
    for (let i = 1; i < queries.length; ++i) {
      const n = server.transfers.length;
      const r = await typeAndWait(page, queries[i]);
      const bytes = sum(server.transfers.slice(n).filter((t) => t.path === modelPath).map((t) => t.bytes));
      console.log(`| ${i + 1} | ${r.ms} | ${MiB(bytes)} | ${wasmMiB(r.mem).toFixed(1)} MiB |`);
      differ += await compare(queries[i], r.rerank, textOf);
      pairs += r.rerank.length;
    }
    await page.waitForSelector('#model-panel[data-cached="true"]', { timeout: 600_000 });
    const total = sum(server.transfers.filter((t) => t.path === modelPath).map((t) => t.bytes));
    console.log(`\nsaved for offline use: ${MiB(total)} of the model sent in all ` +
      `(${MiB(sum(server.transfers.slice(fillFrom).filter((t) => t.path === modelPath).map((t) => t.bytes)))} after the first result)`);

    // Offline: the server gone, a reload, pasted text.
    await server.close();
    server = null;
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 600_000 });
    await page.locator('#own-text summary').click();
    await page.fill('#paste', PASTED);
    await page.locator('#use-text').click();
    await page.waitForSelector('#corpus-status[data-count="3"]');
    const pasted = PASTED.split('\n\n');
    const offlineQuery = 'wisata ke Wamena, Palembang atau Bulukumba';
    const offline = await typeAndWait(page, offlineQuery);
    const bad = await compare(offlineQuery, offline.rerank, (id) => pasted[Number(id.slice(1)) - 1]);
    console.log(`offline reload, pasted text: ${offline.rerank.length} results in ${offline.ms} ms, ${bad} scores differ from the whole model's`);
    differ += bad;
    pairs += offline.rerank.length;
  } finally {
    await close();
    await server?.close();
    whole.dispose();
  }
  console.log(`\nscores compared bit for bit with the whole model in Node: ${pairs} pairs, ${differ} differ`);
  console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores; Chromium headless, loopback`);
  if (differ) process.exit(1);
}

await main();
