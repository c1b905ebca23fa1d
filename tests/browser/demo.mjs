// The demo page (demo/) in Debian's Chromium through playwright-core, served
// as `make demo` serves it (tools/demo_server.mjs) with the tiny fixture as a
// synthetic model and the real default collection. Once cross-origin
// isolated (threads) and once not (one thread, and the page says why):
//   - every request of the page, its workers and its service worker goes to
//     the server's own origin, and none is made after the model has loaded
//     and a search has run, except for the reloads this test makes and the
//     engine code (never the model) a new engine loads when threads change
//     (the server may also see Chromium's own update check of sw.js);
//   - the model loads with a moving progress bar, then a query typed on the
//     keyboard shows BM25 and reranked results, the latter equal to the Node
//     build's scores for the same passages;
//   - pasted passages and a .txt file can be searched; the thread toggle
//     reloads the engine; the synthetic banner shows;
//   - a reload works with the model route failing, then with the server gone.
// Screenshots (desktop and phone) go to build/test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { DEMO_CSP, publishModel, startDemoServer } from '../../tools/demo_server.mjs';
import { Reranker } from '../../js/src/node.js';
import { launchChromium } from './chromium.mjs';
import { expectedKernel } from './relaxed_reading.mjs';
import {
  ARTIFACTS as artifacts, FIXTURES as fixtures, ROOT as root, checkAgainstNode, defaultText, passages, queries, readResults,
} from './demo_checks.mjs';

const work = path.join(root, 'build', 'test-demo');

// The served model folder: the tiny fixture, announced as synthetic.
const modelDir = path.join(work, 'model');
const noModelDir = path.join(work, 'no-model');
rmSync(work, { recursive: true, force: true });
mkdirSync(noModelDir, { recursive: true });
const tinyPath = path.join(fixtures, 'tiny.int8.safetensors');
publishModel(modelDir, tinyPath, { synthetic: true, source: 'tiny test fixture', version: 'test' });

const headBytes = await (async () => {
  const r = await Reranker.load(readFileSync(tinyPath));
  try { return r.info().layout.headBytes; } finally { r.dispose(); }
})();

const QUERY = queries[0].query; // labelled: its grade-3 passage must be among the BM25 candidates
const BEST = Object.entries(queries[0].relevance).find(([, g]) => g === 3)[0];

const PASTED = [
  'Kucing oren tetangga kami suka tidur di atas genteng rumah setiap sore. Warnanya jingga terang dan ekornya panjang.',
  'Resep nasi goreng kampung: tumis bawang merah, bawang putih, dan cabai, lalu masukkan nasi dan kecap manis.',
  'Jadwal kereta api dari Bandung ke Jakarta berubah mulai bulan depan karena perbaikan jalur di dekat Purwakarta.',
].join('\n\n');
const FILE_TEXT = 'Catatan rapat RT\n\nWarga sepakat membersihkan selokan bersama pada hari Minggu pagi agar tidak banjir saat musim hujan.';

const reference = await Reranker.load(tinyPath);

// Records what the page sees: progress values, CSP violations.
function observePage() {
  window.__progress = [];
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.target.id === 'model-progress' && r.attributeName === 'data-loaded') {
        window.__progress.push([Number(r.target.dataset.loaded), Number(r.target.dataset.total)]);
      }
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-loaded'] });
}

const waitReady = (page) => page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
const waitDone = (page) => page.waitForSelector('body[data-search="done"]', { timeout: 60_000 });
// Results of this query (not of a search still running from before).
const waitResults = (page, query) => page.waitForFunction(
  (q) => document.body.dataset.search === 'done' && document.body.dataset.query === q, query, { timeout: 60_000 });

async function typeQuery(page, text) {
  await page.locator('#query').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text, { delay: 20 });
  await waitResults(page, text);
}


// Pieces the default collection and the searches above never use.
const OFFLINE_TEXT = [
  'Zebra ungu melompati pagar bambu di Wamena sambil bernyanyi keroncong tiap Jumat malam.',
  'Ketoprak, gado-gado dan pempek Palembang dijual di pasar Kramat Jati; harganya naik ÿ 12% 🙂.',
  'Kapal pinisi dari Bulukumba berlayar ke Raja Ampat membawa wisatawan Jepang dan Korea.',
].join('\n\n');

async function run(isolated) {
  const mode = isolated ? 'isolated' : 'not isolated';
  let server = await startDemoServer({ modelDir, isolated, modelChunkDelayMs: 20 });
  const origin = new URL(server.url).origin;
  const { context, close } = await launchChromium({ viewport: { width: 1280, height: 900 } });
  const requests = [];
  const responses = [];
  const errors = [];
  context.on('request', (r) => requests.push({ url: r.url(), sw: !!r.serviceWorker() }));
  context.on('response', (r) => responses.push(r));
  const modelResponses = () => responses.filter((r) => r.url().includes('/model/tiny.int8.safetensors'));
  try {
    await context.addInitScript(observePage);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

    // Load: the progress bar moves and finishes; the synthetic banner shows.
    await page.goto(server.url);
    await waitReady(page);
    const progress = await page.evaluate(() => window.__progress);
    // The model's head (it loads by range) and, isolated, the threaded engine's .wasm,
    // downloading together (one thread uses the module BM25 already compiled).
    const total = headBytes + (isolated ? statSync(path.join(root, 'js/dist/indorerank-web-mt.wasm')).size : 0);
    assert.ok(progress.length >= 2, `${mode}: progress reported more than once (${JSON.stringify(progress)})`);
    assert.ok(progress[0][0] > 0 && progress[0][0] < total, `${mode}: a partial progress value`);
    assert.deepEqual(progress.at(-1), [total, total], `${mode}: progress finishes at the engine's and the head's size`);
    assert.ok(progress.every((p, i) => i === 0 || p[0] >= progress[i - 1][0]), `${mode}: progress never goes back`);
    assert.match(await page.textContent('#model-progress-label'), /Model loaded/);
    assert.equal(await page.isVisible('#synthetic-banner'), true, `${mode}: synthetic banner`);
    assert.match(await page.textContent('#synthetic-banner'), /random weights/);
    assert.equal(await page.evaluate(() => crossOriginIsolated), isolated);
    assert.match(await page.textContent('#corpus-status'), new RegExp(`${passages.size} passages`));

    // Keyboard only: the skip link leads to the query box; typing searches.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'query', `${mode}: skip link focuses the query`);
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none', 'visible focus');
    await page.keyboard.type(QUERY, { delay: 20 });
    await waitResults(page, QUERY);
    let shown = await readResults(page);
    assert.equal(shown.bm25.length, 10, `${mode}: 10 BM25 results`);
    assert.equal(shown.rerank.length, 10, `${mode}: 10 reranked results`);
    const candidates = await page.evaluate(() => Number(document.getElementById('bm25k').value));
    assert.equal(candidates, 20);
    assert.ok(shown.bm25.some((r) => r.id === BEST), `${mode}: BM25 finds ${BEST} for "${QUERY}"`);
    await checkAgainstNode(reference, QUERY, shown, defaultText, mode);
    assert.ok(shown.bm25Ms >= 0 && shown.rerankMs > 0 && shown.totalMs >= shown.rerankMs, `${mode}: stage times ${JSON.stringify(shown)}`);
    const { reading, kernel } = await expectedKernel(page);
    assert.equal(shown.kernel, kernel, `${mode}: kernel (relaxed SIMD reading ${reading})`);
    assert.match(shown.mem, /^\d+\.\d MiB working, \d+\.\d MiB wasm memory$/);
    if (isolated) {
      assert.ok(shown.threads > 1, `${mode}: threads ${shown.threads}`);
      assert.equal(shown.note, null);
    } else {
      assert.equal(shown.threads, 1);
      assert.match(shown.note, /not cross-origin isolated/);
    }
    await page.screenshot({ path: path.join(artifacts, `demo-desktop-${isolated ? 'isolated' : 'not-isolated'}.png`), fullPage: true });
    // After the first search the rest of the model downloads in the background,
    // by range; the page says when it is saved for offline use.
    await page.waitForSelector('#model-panel[data-cached="true"]', { timeout: 60_000 });
    assert.match(await page.textContent('#model-progress-label'), /saved for offline use/);
    const loadedAt = requests.length;
    const served = server.requests.length;
    assert.deepEqual(modelResponses().filter((r) => r.status() !== 206), [], `${mode}: the model is read by range only`);

    // Enter searches at once, with another candidate count chosen on the keyboard.
    await page.locator('#bm25k').focus();
    await page.keyboard.press('ArrowDown'); // 20 -> 50
    await waitDone(page);
    assert.equal(await page.evaluate(() => document.getElementById('bm25k').value), '50');
    await page.locator('#query').focus();
    await page.evaluate(() => { document.body.dataset.search = ''; });
    await page.keyboard.press('Enter');
    await waitDone(page);
    shown = await readResults(page);
    assert.match(await page.textContent('#status'), /10 reranked results/);
    await checkAgainstNode(reference, QUERY, shown, defaultText, `${mode}, 50 candidates`);

    // Pasted passages and a .txt file.
    await page.locator('#own-text summary').focus();
    await page.keyboard.press('Enter');
    await page.fill('#paste', PASTED);
    await page.locator('#use-text').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#corpus-status[data-count="3"]');
    await typeQuery(page, 'kucing oren');
    shown = await readResults(page);
    const pasted = PASTED.split('\n\n');
    assert.deepEqual(shown.bm25.map((r) => r.id), ['t1'], `${mode}: BM25 over the pasted passages`);
    await checkAgainstNode(reference, 'kucing oren', shown, (id) => pasted[Number(id.slice(1)) - 1], `${mode}, pasted`);
    await page.setInputFiles('#files', { name: 'catatan.txt', mimeType: 'text/plain', buffer: Buffer.from(FILE_TEXT) });
    await page.waitForSelector('#corpus-status[data-count="4"]');
    await typeQuery(page, 'membersihkan selokan');
    shown = await readResults(page);
    assert.deepEqual(shown.rerank.map((r) => r.id), ['catatan.txt#1'], `${mode}: the file's passage (heading joined)`);
    assert.match(await page.textContent('#rerank-list .title'), /catatan\.txt/);
    await page.locator('#use-default').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#corpus-status[data-count="${passages.size}"]`);
    await waitDone(page);

    // Phone-sized screen: the reranked list alone, BM25 one tap (or arrow key) away,
    // nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await typeQuery(page, QUERY);
    const visible = () => page.evaluate(() => ['bm25-list', 'rerank-list'].map((id) => {
      const r = document.getElementById(id).getBoundingClientRect();
      return r.height > 0;
    }).concat(document.documentElement.scrollWidth));
    const [bm25Shown, rerankShown, width] = await visible();
    assert.deepEqual([bm25Shown, rerankShown], [false, true], `${mode}: a phone shows the reranked list after a search`);
    assert.ok(width <= 390, `${mode}: no horizontal scrolling (${width})`);
    if (isolated) await page.screenshot({ path: path.join(artifacts, 'demo-phone.png') });
    await page.locator('#tab-bm25').click();
    assert.deepEqual((await visible()).slice(0, 2), [true, false], `${mode}: the BM25 tab shows the BM25 list`);
    if (isolated) await page.screenshot({ path: path.join(artifacts, 'demo-phone-bm25.png') });
    await page.keyboard.press('ArrowRight');
    assert.deepEqual((await visible()).slice(0, 2), [false, true], `${mode}: arrow keys move between the tabs`);
    await page.setViewportSize({ width: 1280, height: 900 });

    // Nothing fetched since the model was cached.
    assert.deepEqual(requests.slice(loadedAt).map((r) => r.url), [], `${mode}: no request after the model was cached`);
    // The server agrees, except for the browser's own update check of the service
    // worker script, which Chromium makes about a second after a page starts using it.
    assert.deepEqual(server.requests.slice(served).filter((p) => p !== '/sw.js'), [],
      `${mode}: the server saw no request after the model was cached`);

    // Thread toggle: single thread, then back. Each toggle is a new engine: its
    // WebAssembly module and threads start again and may load the package's
    // code files again (from this origin); the model comes from the Cache API.
    const beforeToggle = requests.length;
    await page.locator('input[name=threads][value=auto]').focus();
    await page.keyboard.press('ArrowRight');
    await waitReady(page);
    await typeQuery(page, 'syarat membuat paspor baru');
    shown = await readResults(page);
    assert.equal(shown.threads, 1, `${mode}: single thread chosen`);
    assert.match(shown.note, isolated ? /one thread was asked for/ : /one thread|not cross-origin isolated/);
    await checkAgainstNode(reference, 'syarat membuat paspor baru', shown, defaultText, `${mode}, single`);
    await page.locator('input[name=threads][value=single]').focus();
    await page.keyboard.press('ArrowLeft');
    await waitReady(page);
    await waitDone(page); // the page searches its query again with the new engine
    const toggled = requests.slice(beforeToggle).map((r) => new URL(r.url).pathname);
    assert.deepEqual(toggled.filter((p) => !/^\/pkg\/(dist|src)\//.test(p)), [], `${mode}: a thread toggle loads engine code only`);
    const afterToggle = requests.length;
    await typeQuery(page, 'harga beras');
    assert.equal(requests.length, afterToggle, `${mode}: no request when searching after a toggle`);
    assert.equal((await readResults(page)).threads > 1, isolated, `${mode}: back to auto threads`);

    // Every control is labelled; the CSP is the page's and is enforced.
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
      .filter((e) => e.labels.length === 0 && !e.closest('label')).map((e) => e.id || e.name));
    assert.deepEqual(unlabelled, [], 'every control has a label');
    assert.equal(await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content'), DEMO_CSP);
    for (const r of responses) {
      if (!r.url().startsWith(origin)) continue;
      assert.equal((await r.allHeaders())['content-security-policy'], DEMO_CSP, `CSP header on ${r.url()}`);
    }

    // Offline after the first load: the model route fails, then the server is gone.
    const port = new URL(server.url).port;
    await server.close();
    server = await startDemoServer({ modelDir: noModelDir, isolated, port: Number(port) });
    await page.reload();
    await waitReady(page);
    await typeQuery(page, QUERY);
    assert.ok((await readResults(page)).rerank.length === 10, `${mode}: works with the model route failing`);
    assert.ok(server.requests.includes('/model/model.json'), 'the page asked for model.json');
    assert.ok(!server.requests.some((p) => p.endsWith('.safetensors')), 'the model came from the cache');
    await server.close();
    server = null;
    await page.reload();
    await waitReady(page);
    await typeQuery(page, 'harga beras');
    shown = await readResults(page);
    assert.ok(shown.rerank.length > 0, `${mode}: works with the server gone`);
    assert.equal(shown.threads > 1, isolated, `${mode}: threads after an offline reload`);
    // Pasted text whose pieces no search used: its embedding rows come from the cache.
    await page.locator('#own-text summary').focus();
    if (!(await page.isVisible('#paste'))) await page.keyboard.press('Enter');
    await page.fill('#paste', OFFLINE_TEXT);
    await page.locator('#use-text').focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#corpus-status[data-count="3"]');
    await typeQuery(page, 'wisata ke Wamena, Palembang atau Bulukumba');
    shown = await readResults(page);
    assert.equal(shown.rerank.length, 3, `${mode}: offline, the pasted passages reranked`);
    const offlineTexts = OFFLINE_TEXT.split('\n\n');
    await checkAgainstNode(reference, 'wisata ke Wamena, Palembang atau Bulukumba', shown,
      (id) => offlineTexts[Number(id.slice(1)) - 1], `${mode}, offline pasted text`);

    // Every request, workers' and the service worker's included, stayed on the origin.
    const foreign = requests.filter((r) => !r.url.startsWith(`${origin}/`) && !r.url.startsWith('data:'));
    assert.deepEqual(foreign, [], `${mode}: requests beyond ${origin}`);
    for (const p of ['/worker.js', '/pkg/dist/indorerank-web.wasm', '/data/passages.jsonl', '/model/tiny.int8.safetensors?v=test']) {
      assert.ok(requests.some((r) => r.url === origin + p), `${mode}: ${p} was recorded`);
    }
    assert.ok(requests.some((r) => r.sw), `${mode}: service worker requests were recorded`);
    if (isolated) assert.ok(requests.some((r) => r.url.endsWith('indorerank-web-mt.worker.js')), 'pthread worker recorded');
    assert.deepEqual(await page.evaluate(() => window.__csp), [], `${mode}: CSP violations`);
    assert.deepEqual(errors, [], `${mode}: console errors`);
    // The policy is enforced: an injected inline script does not run.
    const probe = await page.evaluate(() => new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.body.append(s);
      setTimeout(() => resolve('no violation'), 2000);
    }));
    assert.match(probe, /^script-src/, `${mode}: CSP blocks inline scripts`);
    assert.equal(await page.evaluate(() => window.__inlineRan), undefined);
    console.log(`demo ${mode}: ok (${shown.threads} thread(s); ${requests.length} requests, all to ${origin})`);
  } finally {
    await close();
    await server?.close();
  }
}

await run(true);
await run(false);
reference.dispose();
console.log('demo browser tests: PASS');
