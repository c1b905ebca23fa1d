// Browser test: a page imports the package's browser build and reranks, in
// the main thread and in a Web Worker, with cross-origin isolation
// (WebAssembly threads) and without (one thread, and the package says why),
// in each of Debian's Chromium, Firefox ESR and WebKitGTK (engines.mjs).
// Scores must equal the Node build's bit for bit. Then, in each engine,
// loading by name from a hub. Screenshots go to build/test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../tools/serve.mjs';
import { expectedKernel } from './relaxed_reading.mjs';
import { ENGINES, launchEngine, threadsCanStart } from './engines.mjs';
import { startHub } from '../js/hub.mjs';
import * as ort from 'onnxruntime-web';
import { Reranker } from '../../js/src/node.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const fixtures = process.env.INDORERANK_FIXTURES ?? path.join(root, 'build', 'native', 'fixtures');
const artifacts = path.join(root, 'build', 'test-artifacts');
mkdirSync(artifacts, { recursive: true });

const query = 'apa ibu kota indonesia';
const passages = [
  'Jakarta adalah ibu kota Indonesia dan kota terbesar di Asia Tenggara.',
  'Rendang adalah masakan daging khas Minangkabau dari Sumatera Barat.',
  'Candi Borobudur di Magelang dibangun pada abad kedelapan.',
  'Pembuatan paspor baru memerlukan KTP, kartu keluarga, dan akta kelahiran.',
];
const reference = await Reranker.load(path.join(fixtures, 'tiny.int8.safetensors'));
const expected = await reference.rerank(query, passages);
reference.dispose();
// The onnxruntime-web backend in Node, the reference for the same backend in Chromium.
const ortReference = await Reranker.load(path.join(fixtures, 'tiny', 'onnx', 'model.onnx'),
  { backend: 'onnxruntime-web', onnxruntime: ort, tokenizer: path.join(fixtures, 'tiny', 'sentencepiece.bpe.model') });
const ortExpected = await ortReference.rerank(query, passages);
ortReference.dispose();

async function run(engine, isolated) {
  const server = await startServer({
    mounts: {
      '/': here, '/pkg/': path.join(root, 'js'), '/fixtures/': fixtures,
      '/ort/': path.join(root, 'tests', 'node_modules', 'onnxruntime-web', 'dist'),
    },
    isolated,
  });
  // The package's dist/ on another origin, as a CDN serves it (CORS, and CORP for isolated pages).
  const cdn = await startServer({
    mounts: { '/indorerank/': path.join(root, 'js', 'dist') }, isolated: false,
    headers: { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' },
  });
  const { page, version, close } = await launchEngine(engine);
  const errors = page.errors;
  try {
    await page.goto(server.url);
    await page.waitForFunction(() => typeof window.runChecks === 'function');
    const { reading, kernel } = await expectedKernel(page);
    const kernels = await page.evaluate(() => window.runKernelChecks());
    const out = await page.evaluate((a) => window.runChecks(a), { query, passages, threads: 2 });
    const modelResponses = server.statuses.filter((p) => p.endsWith('tiny.int8.safetensors'));
    const ortOut = await page.evaluate((a) => window.runOrtChecks(a), { query, passages, threads: 2 });
    const cdnOut = await page.evaluate((a) => window.runCdnChecks(a),
      { query, passages, threads: 2, wasmBase: cdn.url.replace('127.0.0.1', 'localhost') + 'indorerank/' });
    await page.screenshot(path.join(artifacts, `browser-${engine}-${isolated ? 'isolated' : 'not-isolated'}.png`));

    const mode = `${version}, ${isolated ? 'isolated' : 'not isolated'}`;
    const threaded = await threadsCanStart(engine, page, isolated, mode);
    assert.equal(out.crossOriginIsolated, isolated, mode);
    assert.deepEqual(out.main, expected, `${mode}: main-thread scores equal the Node build's`);
    assert.deepEqual(out.worker, expected, `${mode}: worker scores equal the Node build's`);
    assert.deepEqual(out.fromCache, expected, `${mode}: cached model`);
    assert.equal(out.cached, true);
    assert.equal(out.prefetched, true);
    assert.equal(out.rangedInfo.cached, true);
    assert.equal(out.fromCacheRequests, 0, `${mode}: the second load and its call use the Cache API only`);
    assert.ok(modelResponses.length >= 4 && modelResponses.every((p) => p.startsWith('206 ')),
      `${mode}: the model is read by range (${modelResponses.join(', ')})`);
    // Where relaxed SIMD's dot product is exact, both modules run it (each
    // pthread with its own instance); every kernel agrees with the scalar
    // reference at every tail size; the scores above are the Node build's
    // (SIMD128) all the same.
    assert.deepEqual(kernels.names, [...new Set([kernel, 'wasm_simd128', 'ref'])], `${mode}: kernels`);
    for (const [name, problem] of Object.entries(kernels.checks)) assert.equal(problem, '', `${mode}: ${name} against ref`);
    assert.equal(out.mainInfo.kernel, kernel, `${mode}: main-thread kernel`);
    assert.equal(out.workerInfo.kernel, kernel, `${mode}: worker kernel`);
    assert.equal(cdnOut.mainInfo.kernel, kernel, `${mode}: kernel with wasmBase on another origin`);
    if (threaded) {
      assert.equal(out.mainInfo.threadMode, 'pthreads');
      assert.equal(out.mainInfo.threads, 2);
      assert.equal(out.workerInfo.threadMode, 'pthreads');
    } else {
      assert.equal(out.mainInfo.threadMode, 'single');
      assert.equal(out.mainInfo.threads, 1);
      assert.match(out.mainInfo.threadNote, isolated ? /does not provide SharedArrayBuffer/ : /not cross-origin isolated/);
      assert.equal(out.workerInfo.threadMode, 'single');
    }
    assert.ok(out.progress.length >= 1 && out.progress.at(-1)[0] === out.progress.at(-1)[1]);
    assert.deepEqual({ ...out.badBytes, message: undefined }, { isIndorerankError: true, code: 'data_loss', message: undefined });
    assert.match(out.badBytes.message, /safetensors/);
    assert.equal(out.badOption.name, 'TypeError');
    // wasmBase on another origin: every file from there, the same scores.
    assert.deepEqual(cdnOut.main, expected, `${mode}: main thread with wasmBase on another origin`);
    assert.deepEqual(cdnOut.worker, expected, `${mode}: worker with wasmBase on another origin`);
    assert.equal(cdnOut.hits.length, 1);
    assert.equal(cdnOut.mainInfo.threadMode, threaded ? 'pthreads' : 'single');
    assert.equal(cdnOut.workerInfo.threadMode, threaded ? 'pthreads' : 'single');
    const relaxedFile = threaded ? 'indorerank-relaxed-mt.wasm' : 'indorerank-relaxed.wasm';
    for (const f of ['indorerank-web.wasm', 'indorerank-web.mjs', 'indorerank-worker.mjs'].concat(threaded
      ? ['indorerank-web-mt.wasm', 'indorerank-web-mt.mjs', 'indorerank-web-mt.worker.js'] : [],
    reading !== 'no relaxed SIMD' ? [relaxedFile] : [])) {
      assert.ok(cdn.requests.includes(`/indorerank/${f}`), `${mode}: ${f} came from the other origin (${cdn.requests.join(', ')})`);
    }
    assert.equal(cdnOut.missing.code, 'not_found');
    assert.match(cdnOut.missing.message, /indorerank-web(-mt)?\.wasm.*HTTP 404.*wasmBase/);
    assert.equal(cdnOut.workerMissing.isIndorerankError, true, `${mode}: ${JSON.stringify(cdnOut.workerMissing)}`);
    assert.match(cdnOut.workerMissing.message, /could not load http:\/\/localhost:\d+\/no-such-folder\/indorerank-worker\.mjs: .*wasmBase/);
    // onnxruntime-web in Chromium: the same order as in Node, logits within float noise.
    assert.equal(ortOut.info.backend, 'onnxruntime-web');
    assert.equal(ortOut.info.threads, threaded ? 2 : 1, `${mode}: onnxruntime-web threads`);
    assert.deepEqual(ortOut.results.map((x) => x.index), ortExpected.map((x) => x.index), `${mode}: onnxruntime-web order`);
    ortOut.results.forEach((x, i) => assert.ok(Math.abs(x.logit - ortExpected[i].logit) < 1e-4,
      `${mode}: onnxruntime-web logit ${x.logit} vs Node ${ortExpected[i].logit}`));
    // The one failed request meant to fail: the missing wasmBase folder.
    assert.deepEqual(errors.filter((e) => !e.includes('/no-such-folder/')), [], `${mode}: console errors`);
    const ortDiff = Math.max(...ortOut.results.map((x, i) => Math.abs(x.logit - ortExpected[i].logit)));
    console.log(`browser, ${mode}: ok (${out.mainInfo.kernel}, relaxed SIMD reading ${reading}; ` +
      `${out.mainInfo.threadMode}, ${out.mainInfo.threads} thread(s); ${server.requests.length} requests;` +
      ` onnxruntime-web max logit difference to Node ${ortDiff})`);
  } finally {
    await close();
    await server.close();
    await cdn.close();
  }
}

// Load by name in `engine`: a hub on another origin (CORS), then the page
// reloaded (a 304 revalidation), then the hub gone (the cached copy).
async function runHub(engine) {
  const server = await startServer({ mounts: { '/': here, '/pkg/': path.join(root, 'js') }, isolated: false });
  const hub = await startHub();
  const repo = 'madebyaris/rerank-indonesia';
  const tiny = readFileSync(path.join(fixtures, 'tiny.int8.safetensors'));
  hub.put(repo, 'main', 'model.int8.safetensors', tiny);
  hub.put('acme/wrong-sha', 'main', 'model.int8.safetensors', tiny);
  hub.fault('acme/wrong-sha', 'wrong-sha');
  for (const f of ['config.json', 'sentencepiece.bpe.model', 'model.safetensors']) {
    hub.put('acme/tiny-checkpoint', 'main', f, readFileSync(path.join(fixtures, 'tiny', f)));
  }
  const { page, version, close } = await launchEngine(engine);
  const errors = page.errors;
  try {
    // Each visit at its own URL: WebKitGTK's automation mode drops the Cache
    // API when a page loads the same URL again (a user's reload keeps it).
    let visits = 0;
    const visit = async () => {
      await page.goto(`${server.url}?visit=${++visits}`);
      await page.waitForFunction(() => typeof window.runHubChecks === 'function');
      return page.evaluate((a) => window.runHubChecks(a), { hubUrl: hub.url, query, passages, repo });
    };
    const first = await visit();
    assert.equal(first.error, undefined, JSON.stringify(first.error));
    assert.deepEqual(first.main, expected, 'hub: Reranker by name equals the Node build');
    assert.deepEqual(first.worker, expected, 'hub: RerankerWorker by name equals the Node build');
    // The model and the engine's .wasm (the page's first load: one thread, not isolated).
    const wasmBytes = readFileSync(path.join(root, 'js', 'dist', 'indorerank-web.wasm')).length;
    assert.deepEqual(first.progress.at(-1), [tiny.length + wasmBytes, tiny.length + wasmBytes]);
    assert.deepEqual(first.afterFailures, expected, 'hub: failed loads leave a loaded reranker working');
    assert.equal(first.wrongSha.isIndorerankError, true);
    assert.equal(first.wrongSha.code, 'data_loss');
    assert.match(first.wrongSha.message, /checksum mismatch/);
    assert.deepEqual(first.converted, expected, 'hub: a checkpoint-only repo is converted in the page, same scores');
    assert.equal(first.convertedInfo.fileBytes, tiny.length, 'the conversion in the page equals the native converter\'s file');
    assert.equal(first.missing.code, 'not_found');
    assert.match(first.missing.message, /nobody\/nothing \(revision main\) not found/);
    const base = (r, f) => `${hub.url}/${r}/resolve/main/${f}`;
    assert.deepEqual(first.cachedUrls.sort(), [
      base(repo, 'model.int8.safetensors'),
      ...['config.json', 'model.int8.safetensors?converted-by=indorerank', 'model.safetensors', 'sentencepiece.bpe.model'].map((f) => base('acme/tiny-checkpoint', f)),
    ].sort(), 'the checked files and the conversion are cached, nothing from the wrong-sha repo');
    const gets = hub.log.filter((l) => l.startsWith('GET') && l.includes(`/${repo}/`)).map((l) => l.split(' ')[1]);
    assert.deepEqual(gets, ['200', '304'], 'hub: one download; the worker (its own realm) revalidates the copy the page cached');
    hub.log.length = 0;

    const second = await visit();
    assert.deepEqual(second.main, expected);
    const checkpointGets = hub.log.filter((l) => l.startsWith('GET') && l.includes('/acme/tiny-checkpoint/')).map((l) => l.split(' ')[1]);
    assert.deepEqual([...new Set(checkpointGets)].sort(), ['304', '404'], `a reload revalidates the checkpoint, downloads nothing (${checkpointGets})`);
    const revalidations = hub.log.filter((l) => l.includes(`/${repo}/`) && l.startsWith('GET')).map((l) => l.split(' ')[1]);
    assert.ok(revalidations.length >= 1 && revalidations.every((st) => st === '304'), `hub: a reload revalidates (${revalidations})`);

    await hub.close();
    const third = await visit();
    assert.equal(third.error, undefined, JSON.stringify(third.error));
    assert.deepEqual(third.main, expected, 'hub gone: the cached copy');
    // The hub's failures are on purpose, and browsers log them: each failed
    // request (Chromium), each request to the hub once it is gone (Firefox:
    // "CORS request did not succeed", no status), the cache entry dropped
    // after the wrong sha256 (Firefox: the stored stream's error).
    const expectedNoise = /^Failed to load resource|CORS request did not succeed\)\. Status code: \(null\)|“Error: download failed”/;
    assert.deepEqual(errors.filter((e) => !expectedNoise.test(e)), [], `hub, ${version}: page errors`);
    assert.deepEqual(second.converted, expected, 'a reload reuses the cached conversion');
    assert.deepEqual(third.converted, expected, 'offline: the cached conversion');
    console.log(`browser hub, ${version}: ok (download, checkpoint converted in the page, 304 on reload, offline, wrong sha256, unknown repo)`);
  } finally {
    await close();
    await server.close();
    await hub.close();
  }
}

for (const engine of ENGINES) {
  await run(engine, true);
  await run(engine, false);
  await runHub(engine);
}
console.log('browser tests: PASS');
