// The demo page (demo/) in Debian's Firefox ESR and WebKitGTK (engines.mjs),
// served as `make demo` serves it, with the tiny fixture as a synthetic
// model; once cross-origin isolated and once not. demo.mjs tests the page in
// full in Chromium (keyboard use, every request, the CSP, the thread toggle);
// this checks what differs between engines:
//   - the model loads, a search shows BM25 and reranked results, the latter
//     equal to the Node build's scores for the same passages;
//   - the kernel the engine can run, and threads where the engine gives an
//     isolated page SharedArrayBuffer (else one thread, and the page says why);
//   - the model is read by range only and saved for offline use;
//   - on a phone-sized screen the reranked list shows and nothing is wider
//     than the screen (390 pixels; WebKitGTK's window is at least 447);
//   - a reload with the server gone works (the service worker and the cache);
//   - no errors on the page.
// Screenshots go to build/test-artifacts/.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { publishModel, startDemoServer } from '../../tools/demo_server.mjs';
import { Reranker } from '../../js/src/node.js';
import { launchEngine, threadsCanStart } from './engines.mjs';
import { expectedKernel } from './relaxed_reading.mjs';
import {
  ARTIFACTS as artifacts, FIXTURES as fixtures, ROOT as root, checkAgainstNode, defaultText, passages, queries, readResults,
} from './demo_checks.mjs';

const work = path.join(root, 'build', 'test-demo-engines');
rmSync(work, { recursive: true, force: true });
const modelDir = path.join(work, 'model');
const tinyPath = path.join(fixtures, 'tiny.int8.safetensors');
publishModel(modelDir, tinyPath, { synthetic: true, source: 'tiny test fixture', version: 'test' });

const reference = await Reranker.load(tinyPath);

const waitReady = (page) => page.waitForFunction(() => document.body.dataset.ready === 'true');
// Types the query as a script can (the input event the box listens to) and
// waits for this query's results.
async function search(page, query) {
  await page.evaluate((q) => {
    const box = document.getElementById('query');
    box.value = q;
    box.dispatchEvent(new Event('input', { bubbles: true }));
  }, query);
  await page.waitForFunction((q) => document.body.dataset.search === 'done' && document.body.dataset.query === q, query);
  return readResults(page);
}

async function run(engine, isolated) {
  let server = await startDemoServer({ modelDir, isolated });
  const { page, version, close } = await launchEngine(engine);
  const mode = `demo, ${version}, ${isolated ? 'isolated' : 'not isolated'}`;
  try {
    await page.setViewport(1280, 900);
    await page.goto(server.url);
    await waitReady(page);
    assert.equal(await page.evaluate(() => crossOriginIsolated), isolated, mode);
    const threaded = await threadsCanStart(engine, page, isolated, mode);

    const query = queries[0].query;
    let shown = await search(page, query);
    assert.equal(shown.rerank.length, 10, `${mode}: 10 reranked results`);
    await checkAgainstNode(reference, query, shown, defaultText, mode);
    const { reading, kernel } = await expectedKernel(page);
    assert.equal(shown.kernel, kernel, `${mode}: kernel (relaxed SIMD reading ${reading})`);
    if (threaded) {
      assert.ok(shown.threads > 1, `${mode}: threads ${shown.threads}`);
      assert.equal(shown.note, null);
    } else {
      assert.equal(shown.threads, 1);
      assert.match(shown.note, isolated ? /does not provide SharedArrayBuffer/ : /not cross-origin isolated/);
    }
    await page.screenshot(path.join(artifacts, `demo-${engine}-desktop-${isolated ? 'isolated' : 'not-isolated'}.png`));

    // The rest of the model by range, then saved for offline use.
    await page.waitForFunction(() => document.getElementById('model-panel').dataset.cached === 'true');
    const modelReads = server.statuses.filter((s) => s.endsWith('.safetensors'));
    assert.ok(modelReads.length >= 2 && modelReads.every((s) => s.startsWith('206 ')), `${mode}: by range (${modelReads})`);

    // A phone-sized screen.
    await page.setViewport(390, 844);
    shown = await search(page, queries[1].query);
    await checkAgainstNode(reference, queries[1].query, shown, defaultText, `${mode}, phone`);
    // (WebKitGTK's MiniBrowser window is at least 447 pixels wide.)
    const [bm25Shown, rerankShown, width, viewport] = await page.evaluate(() => ['bm25-list', 'rerank-list']
      .map((id) => document.getElementById(id).getBoundingClientRect().height > 0)
      .concat(document.documentElement.scrollWidth, innerWidth));
    assert.ok(viewport <= (engine === 'webkit' ? 447 : 390), `${mode}: a phone-sized viewport (${viewport})`);
    assert.deepEqual([bm25Shown, rerankShown], [false, true], `${mode}: a phone shows the reranked list`);
    assert.ok(width <= viewport, `${mode}: no horizontal scrolling (${width} in ${viewport})`);
    await page.screenshot(path.join(artifacts, `demo-${engine}-phone-${isolated ? 'isolated' : 'not-isolated'}.png`));
    await page.setViewport(1280, 900);

    // Offline: the server gone, a reload.
    const url = server.url;
    await server.close();
    server = null;
    // (At another URL: WebKitGTK's automation mode drops the Cache API when a
    // page loads the same URL again; a user's reload keeps it.)
    await page.goto(`${url}?offline`);
    await waitReady(page);
    shown = await search(page, queries[2].query);
    await checkAgainstNode(reference, queries[2].query, shown, defaultText, `${mode}, offline`);
    assert.deepEqual(page.errors, [], `${mode}: errors on the page`);
    console.log(`${mode}: ok (${shown.kernel}, ${shown.threads} thread(s); offline reload works)`);
  } finally {
    await close();
    await server?.close();
  }
}

for (const engine of ['firefox', 'webkit']) {
  await run(engine, true);
  await run(engine, false);
}
reference.dispose();
console.log('demo tests in Firefox and WebKit: PASS');
