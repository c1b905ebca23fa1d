// The demo answers at once, on a phone, on a first visit (a fresh profile)
// with the full-shape model whose 250,000-piece tokenizer spreads its pieces
// over the id range as XLM-R's does (make fixtures-spread): Chromium at
// 390x844 (touch, 3x), cross-origin isolated, the model sent slowly so its
// download takes seconds. It shows that
//   - BM25 results of a typed query appear while the model is still downloading;
//   - the model is read by range (206 only) and less than half of it arrives
//     before the search's results are done;
//   - once the model is there, reranked results appear batch by batch with a
//     count ("5 of 20 reranked…") before all 20 candidates are done;
//   - every candidate's score equals the whole file's in Node, bit for bit;
//   - after the search the first reranked result lies within the first screen
//     (no scrolling), the BM25 list one tap away.
// Screenshots: build/test-artifacts/demo-first-screen-*.png.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishModel, startDemoServer } from '../../tools/demo_server.mjs';
import { launchChromium } from './chromium.mjs';
import { Reranker } from '../../js/src/node.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const fixtures = process.env.INDORERANK_FIXTURES ?? path.join(root, 'build', 'native', 'fixtures');
const artifacts = path.join(root, 'build', 'test-artifacts');
const modelDir = path.join(root, 'build', 'test-demo-first-screen', 'model');
const model = path.join(fixtures, 'spread.int8.safetensors');
if (!existsSync(model)) {
  console.error(`demo first screen: ${model} is missing (make fixtures-spread)`);
  process.exit(1);
}
mkdirSync(artifacts, { recursive: true });
rmSync(path.dirname(modelDir), { recursive: true, force: true });
publishModel(modelDir, model, { synthetic: true, source: 'spread fixture', version: 'first-screen' });
const modelPath = `/model/${path.basename(model)}?v=first-screen`;
const passages = new Map(readFileSync(path.join(root, 'demo/data/passages.jsonl'), 'utf8').split('\n').filter(Boolean)
  .map((l) => JSON.parse(l)).map((p) => [p.id, p.title ? `${p.title}. ${p.text}` : p.text]));

const QUERY = 'syarat membuat paspor baru';

// 64 KiB every 4 ms: the 28 MB head takes about 2 s to arrive.
const server = await startDemoServer({ modelDir, isolated: true, modelChunkDelayMs: 4 });
const { context, close } = await launchChromium({
  viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true,
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  const modelResponses = [];
  context.on('response', (r) => { if (r.url().endsWith(modelPath)) modelResponses.push(r.status()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  // Every state the reranked list goes through: how many items, what the count says.
  await page.addInitScript(() => {
    window.__states = [];
    new MutationObserver(() => {
      const list = document.getElementById('rerank-list');
      const state = document.getElementById('rerank-state');
      if (!list || !state) return;
      window.__states.push({ items: list.children.length, text: state.textContent, search: document.body.dataset.search });
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await page.goto(server.url);
  await page.waitForSelector('body[data-index-ready="true"]', { timeout: 60_000 });

  // Typing while the model downloads: BM25 answers.
  await page.locator('#query').tap();
  await page.keyboard.type(QUERY, { delay: 15 });
  await page.waitForSelector('body[data-search="bm25-only"]', { timeout: 30_000 });
  const early = await page.evaluate(() => ({
    bm25: document.querySelectorAll('#bm25-list li').length,
    bm25Visible: document.getElementById('bm25-list').getBoundingClientRect().height > 0,
    modelReady: document.body.dataset.ready === 'true',
    progress: [Number(document.getElementById('model-progress').value), Number(document.getElementById('model-progress').max)],
  }));
  assert.ok(early.bm25 > 0, 'BM25 results before the model has loaded');
  assert.ok(early.bm25Visible, 'the BM25 list is the one shown while the model loads');
  assert.equal(early.modelReady, false);
  assert.ok(early.progress[0] < early.progress[1], `the model was still downloading (${early.progress})`);
  await page.screenshot({ path: path.join(artifacts, 'demo-first-screen-bm25-while-loading.png') });

  // The model arrives; the same query is reranked batch by batch.
  await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
  await page.waitForFunction((q) => document.body.dataset.search === 'done' && document.body.dataset.query === q, QUERY, { timeout: 120_000 });
  const states = await page.evaluate(() => window.__states);
  const candidates = Number(await page.evaluate(() => document.body.dataset.candidates));
  const partial = states.filter((s) => s.search === 'reranking' && s.items > 0 && /^\d+ of \d+ reranked/.test(s.text));
  assert.ok(candidates >= 10, `enough candidates to show progress (${candidates})`);
  assert.ok(partial.length > 0, `reranked results shown before all ${candidates} were done (${JSON.stringify(states.slice(-8))})`);
  assert.match(partial[0].text, new RegExp(`^\\d+ of ${candidates} reranked`));

  // By range, and every candidate's score equal to the whole file's.
  assert.ok(modelResponses.length > 2 && modelResponses.every((st) => st === 206), `the model read by range (${modelResponses})`);
  const sent = server.transfers.filter((t) => t.path === new URL(modelPath, server.url).pathname).reduce((n, t) => n + t.bytes, 0);
  assert.ok(sent < statSync(model).size / 2, `${sent} bytes of the model sent before the results were done`);
  const shownScores = JSON.parse(await page.evaluate(() => document.getElementById('rerank-list').dataset.scores));
  assert.equal(shownScores.length, candidates);
  const whole = await Reranker.load(readFileSync(model));
  const expected = await whole.rerank(QUERY, shownScores.map(([id]) => passages.get(id)));
  whole.dispose();
  const differ = expected.filter((e) => shownScores[e.index][1] !== e.score).length;
  assert.equal(differ, 0, `${differ} of ${candidates} scores differ from the whole file's`);

  // The first screen after the search: the first reranked result, no scrolling.
  await page.evaluate(() => window.scrollTo(0, 0));
  const first = await page.evaluate(() => {
    const li = document.querySelector('#rerank-list li');
    const r = li.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, screen: window.innerHeight, bm25Shown: document.getElementById('bm25-list').getBoundingClientRect().height > 0 };
  });
  await page.screenshot({ path: path.join(artifacts, 'demo-first-screen-phone.png') });
  assert.ok(first.bottom <= first.screen, `the first reranked result ends at ${Math.round(first.bottom)} px, within the ${first.screen} px screen`);
  assert.equal(first.bm25Shown, false, 'the reranked list is the one shown');
  await page.locator('#tab-bm25').tap();
  assert.ok(await page.evaluate(() => document.getElementById('bm25-list').getBoundingClientRect().height > 0), 'BM25 one tap away');
  assert.deepEqual(errors, []);
  console.log(`demo first screen: BM25 while the model downloaded (${early.progress[0]} of ${early.progress[1]} bytes), ` +
    `${(sent / 1048576).toFixed(1)} MiB of the model by range before ${candidates} scores equal to the whole file's, ` +
    `${partial.length} partial reranked state(s) before ${candidates} were done ("${partial[0].text}"), ` +
    `first reranked result at ${Math.round(first.top)}-${Math.round(first.bottom)} px of ${first.screen}: PASS`);
} finally {
  await close();
  await server.close();
}
