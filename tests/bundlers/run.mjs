// Bundler matrix: the packed package (npm pack) installed offline into a
// fresh app per bundler, built with Vite (production build and dev server),
// webpack 5, Rollup, esbuild and Parcel at the versions pinned in tests/package.json,
// served on 127.0.0.1 and run in Chromium, Firefox ESR and WebKitGTK,
// cross-origin isolated (threads, where the engine gives SharedArrayBuffer)
// and not. Reranker, RerankerWorker and Bm25Index must give the Node build's
// results bit for bit; in Chromium, with no request outside the page's
// origin and no console error in its workers either. Then Node:
// ESM import, CommonJS require, and an import of the browser build in Node
// (server-side rendering) that touches no `window` and starts nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../tools/serve.mjs';
import { launchChromium } from '../browser/chromium.mjs';
import { ENGINES, launchEngine, threadsCanStart } from '../browser/engines.mjs';
import { expectedKernel } from '../browser/relaxed_reading.mjs';
import { Reranker, Bm25Index } from '../../js/src/node.js';
import { appSource, bundlers } from './builds.mjs';
import { FIXTURES, PASSAGES, ROOT } from '../js/support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = ROOT;
const fixtures = FIXTURES;
const work = path.join(root, 'build', 'bundler-apps');
const only = process.argv.slice(2);

const query = 'apa ibu kota indonesia';
const passages = PASSAGES;

// The Node build's results: what every bundled app must reproduce exactly.
const reference = await Reranker.load(path.join(fixtures, 'tiny.int8.safetensors'));
const expected = await reference.rerank(query, passages);
reference.dispose();
const refIndex = await Bm25Index.create();
refIndex.addAll(passages.map((text, i) => ({ id: `p${i}`, text })));
const expectedHits = refIndex.search(query, { topK: 0 });
refIndex.dispose();

const run = (cmd, args, cwd, env = {}) =>
  execFileSync(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], path.join(root, 'js')));
const tarball = path.join(work, packed[0].filename);

/** A fresh app folder with the tarball installed from disk, no network. */
function makeApp(name, type = 'module') {
  const dir = path.join(work, name.replace(/\W+/g, '-'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type }));
  run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], dir, { npm_config_cache: path.join(work, 'empty-npm-cache') });
  return dir;
}

// What runApp must return in any engine; `threaded`: threads could start.
async function checkApp(page, out, isolated, threaded, label) {
  assert.equal(out.crossOriginIsolated, isolated, `${label}: crossOriginIsolated`);
  assert.deepEqual(out.main, expected, `${label}: Reranker scores equal the Node build's`);
  assert.deepEqual(out.worker, expected, `${label}: RerankerWorker scores equal the Node build's`);
  assert.deepEqual(out.hits, expectedHits, `${label}: Bm25Index hits equal the Node build's`);
  const mode = threaded ? 'pthreads' : 'single';
  assert.equal(out.mainInfo.threadMode, mode, `${label}: ${out.mainInfo.threadNote}`);
  assert.equal(out.workerInfo.threadMode, mode, `${label}: worker ${out.workerInfo.threadNote}`);
  // The relaxed-SIMD kernel where the engine runs it exactly, which needs
  // the bundler to have emitted indorerank-relaxed(-mt).wasm.
  const { reading, kernel } = await expectedKernel(page);
  assert.equal(out.mainInfo.kernel, kernel, `${label}: kernel (relaxed SIMD reading ${reading})`);
  assert.equal(out.workerInfo.kernel, kernel, `${label}: worker kernel`);
  assert.equal(out.ortMissing.isIndorerankError, true, `${label}: ${JSON.stringify(out.ortMissing)}`);
  assert.equal(out.ortMissing.code, 'not_found');
  assert.match(out.ortMissing.message, /npm install onnxruntime-web/);
}

const appArgs = { model: '/fixtures/tiny.int8.safetensors', query, passages, threads: 2 };
const within = (ms, promise, errors) => Promise.race([promise, new Promise((_, reject) =>
  setTimeout(() => reject(new Error(`no result in ${ms / 1000} s; errors: ${errors.join(' | ')}`)), ms))]);

async function inChromium(url, isolated, label) {
  const { context, close } = await launchChromium();
  const requests = [];
  const errors = [];
  try {
    context.on('request', (r) => requests.push(r.url()));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') errors.push(`worker: ${m.text()}`); }));
    await page.goto(url);
    await page.waitForFunction(() => typeof window.runApp === 'function', null, { timeout: 60000 });
    const out = await within(60000, page.evaluate((a) => window.runApp(a), appArgs), errors);
    await checkApp(page, out, isolated, isolated, label);
    const origin = new URL(url).origin;
    const outside = requests.filter((u) => !u.startsWith(origin + '/') && !/^(blob|data):/.test(u));
    assert.deepEqual(outside, [], `${label}: requests outside ${origin}`);
    assert.deepEqual(errors.filter((e) => !/favicon/.test(e)), [], `${label}: console errors`);
    return `${requests.length} requests`;
  } finally {
    await close();
  }
}

// Firefox and WebKit (engines.mjs): the same app, its results and kernels.
async function inEngine(engine, url, isolated, label) {
  const { page, close } = await launchEngine(engine);
  try {
    await page.goto(url);
    await page.waitForFunction(() => typeof window.runApp === 'function', undefined, 60000);
    const out = await within(60000, page.evaluate((a) => window.runApp(a), appArgs), page.errors);
    const threaded = await threadsCanStart(engine, page, isolated, label);
    await checkApp(page, out, isolated, threaded, label);
    assert.deepEqual(page.errors.filter((e) => !/favicon/.test(e)), [], `${label}: errors`);
    return out.mainInfo.threadMode;
  } finally {
    await close();
  }
}

let failed = 0;
const template = readFileSync(path.join(here, 'app', 'main.js'), 'utf8');
for (const [name, buildApp] of Object.entries(bundlers)) {
  if (only.length && !only.includes(name)) continue;
  const app = makeApp(name);
  writeFileSync(path.join(app, 'main.js'), appSource(name, template));
  copyFileSync(path.join(here, 'app', 'index.html'), path.join(app, 'index.html'));
  // The model, where a Vite dev server serves static files (public/).
  mkdirSync(path.join(app, 'public', 'fixtures'), { recursive: true });
  copyFileSync(path.join(fixtures, 'tiny.int8.safetensors'), path.join(app, 'public', 'fixtures', 'tiny.int8.safetensors'));
  for (const isolated of [true, false]) {
    const label = `${name} (${isolated ? 'isolated' : 'not isolated'})`;
    let served = null;
    let server = null;
    try {
      served = await buildApp(app, path.join(app, 'out'), { isolated });
      let url = served.url;
      if (served.dir) {
        server = await startServer({ mounts: { '/': served.dir, '/fixtures/': fixtures }, isolated });
        url = server.url;
      }
      for (const engine of ENGINES) {
        const t1 = performance.now();
        try {
          const what = engine === 'chromium' ? await inChromium(url, isolated, label) : await inEngine(engine, url, isolated, label);
          console.log(`ok   ${label}, ${engine}: ${what}, ${((performance.now() - t1) / 1000).toFixed(1)} s`);
        } catch (e) {
          failed++;
          console.log(`FAIL ${label}, ${engine}: ${e.message}`);
        }
      }
    } catch (e) {
      failed++;
      console.log(`FAIL ${label}: ${e.message}`);
    } finally {
      await server?.close();
      await served?.close?.();
    }
  }
}

// Node: ESM import, CommonJS require, and the browser build imported in Node.
if (!only.length || only.includes('node')) {
  const app = makeApp('node', 'commonjs');
  const model = path.join(fixtures, 'tiny.int8.safetensors');
  const body = `const r = await Reranker.load(${JSON.stringify(model)});
    const out = await r.rerank(${JSON.stringify(query)}, ${JSON.stringify(passages)});
    r.dispose();
    console.log(JSON.stringify(out));`;
  writeFileSync(path.join(app, 'esm.mjs'), `import { Reranker } from 'indorerank';\n${body}\n`);
  writeFileSync(path.join(app, 'cjs.cjs'), `const { Reranker } = require('indorerank');\n(async () => {\n${body}\n})();\n`);
  // What a server-side renderer that resolves the browser condition does: import, use nothing.
  writeFileSync(path.join(app, 'ssr.mjs'), `import * as pkg from 'indorerank';
    if (typeof window !== 'undefined' || typeof document !== 'undefined') throw new Error('window appeared');
    console.log(Object.keys(pkg).sort().join(','));\n`);
  // The Node running this (24, as `make` runs it) and the machine's own (Debian's 20, if it differs).
  const nodes = new Map([[process.version, process.execPath]]);
  try {
    nodes.set(run('/usr/bin/node', ['--version'], app).trim(), '/usr/bin/node');
  } catch { /* no system node */ }
  for (const [version, node] of nodes) {
    for (const [label, args] of [['ESM import', ['esm.mjs']], ['CommonJS require', ['cjs.cjs']]]) {
      try {
        assert.deepEqual(JSON.parse(run(node, args, app)), expected, label);
        console.log(`ok   Node ${version} ${label}`);
      } catch (e) {
        failed++;
        console.log(`FAIL Node ${version} ${label}: ${e.stderr ? String(e.stderr) : e.message}`);
      }
    }
    try {
      const t0 = performance.now();
      const keys = run(node, ['--conditions=browser', 'ssr.mjs'], app).trim();
      assert.equal(keys, 'Bm25Index,IndorerankError,Reranker,RerankerWorker,clearCache,convert,fetchModel');
      console.log(`ok   Node ${version}, browser build imported (SSR): exits at once (${Math.round(performance.now() - t0)} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL Node ${version}, browser build imported (SSR): ${e.stderr ? String(e.stderr) : e.message}`);
    }
  }
}

if (failed) {
  console.log(`bundler tests: ${failed} FAILED`);
  process.exit(1);
}
console.log('bundler tests: PASS');
process.exit(0);
