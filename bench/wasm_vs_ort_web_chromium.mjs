// `make bench-wasm`, second part: the same comparison as wasm_vs_ort_web.mjs
// in Debian's Chromium, where relaxed SIMD is exact and the package picks its
// relaxed kernel: indorerank (wasm_relaxed, and wasm_simd128 by name) against
// onnxruntime-web's wasm backend (int8 and fp32 graphs, one pair per run and
// padded batches of 16), one thread each, the same input ids, each in a fresh
// page of one browser, in turn. Prints a Markdown table.
// The peer's speed moves by 10-25% between runs on a shared machine, so
// --rounds N runs the whole list N times in turn and gives each row's median
// and range; --peer best keeps only onnxruntime-web's usual best (int8, one
// pair per run) to make rounds cheaper (~3 min each). --threads 2 gives each
// runtime two threads in a cross-origin isolated page (ours: the pthreads
// build; the peer: numThreads 2). --engine firefox or webkit runs the same
// page in Debian's Firefox ESR or WebKitGTK instead (tests/browser/engines.mjs:
// one window, the page loaded again for each job), where the package runs
// wasm_simd128.
//   node bench/wasm_vs_ort_web_chromium.mjs --hf HF_DIR --model M.int8.safetensors [--queries 2] [--runs 3]
//                                           [--rounds 1] [--peer all|best] [--threads 1]
//                                           [--engine chromium|firefox|webkit]
import path from 'node:path';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startServer } from '../tools/serve.mjs';
import { launchChromium } from '../tests/browser/chromium.mjs';
import { DISPLAY, ENGINES, launchEngine } from '../tests/browser/engines.mjs';
import { modelInputs } from './candidates.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const { values: a } = parseArgs({
  options: { hf: { type: 'string' }, model: { type: 'string' }, queries: { type: 'string', default: '2' },
    runs: { type: 'string', default: '3' }, rounds: { type: 'string', default: '1' }, peer: { type: 'string', default: 'all' },
    threads: { type: 'string', default: '1' }, engine: { type: 'string', default: 'chromium' } },
});
if (!ENGINES.includes(a.engine)) throw new Error(`--engine takes ${ENGINES.join(', ')}`);
if (!['all', 'best'].includes(a.peer)) throw new Error('--peer takes all or best');
const rounds = Number(a.rounds);
if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error('--rounds takes a whole number >= 1');
const threads = Number(a.threads);
if (!(Number.isInteger(threads) && threads >= 1)) throw new Error('--threads takes a whole number >= 1');
const { ids, meanLen, minLen, maxLen } = await modelInputs(a.model, Number(a.queries));

const server = await startServer({
  isolated: threads > 1,
  mounts: {
    '/': path.join(here, 'chromium_page'), '/bench/': here, '/pkg/': path.join(root, 'js'),
    '/ort/': path.join(root, 'tests', 'node_modules', 'onnxruntime-web', 'dist'),
    '/model/': path.dirname(path.resolve(a.model)), '/hf/': path.resolve(a.hf),
  },
});
// Chromium: a fresh page of one browser per job; the other engines: one
// window, the page loaded again per job.
let browserName;
let inPage;
let close;
if (a.engine === 'chromium') {
  const chromium = await launchChromium();
  close = chromium.close;
  browserName = `Chromium ${chromium.context.browser()?.version() ?? ''}`;
  inPage = async (fn, arg) => {
    const page = await chromium.context.newPage();
    try {
      await page.goto(server.url);
      await page.waitForFunction(() => window.ready === true);
      return await page.evaluate(([f, x]) => window[f](x), [fn, arg]);
    } finally {
      await page.close();
    }
  };
} else {
  const engine = await launchEngine(a.engine);
  close = engine.close;
  browserName = engine.version;
  inPage = async (fn, arg) => {
    await engine.page.goto(server.url);
    await engine.page.waitForFunction(() => window.ready === true);
    return engine.page.evaluate(([f, x]) => window[f](x), [fn, arg]);
  };
}
const common = { ids, group: 100, runs: Number(a.runs), threads };
const rows = [];
try {
  const model = `/model/${path.basename(a.model)}`;
  const kernels = a.engine === 'chromium' ? [undefined, 'wasm_simd128'] : [undefined]; // elsewhere it is wasm_simd128
  const jobs = kernels.map((kernel) => ({ ours: true, fn: 'benchOurs', arg: { ...common, model, kernel } }));
  for (const graph of ['model.onnx', 'model_fp32.onnx']) {
    for (const batch of [1, 16]) {
      if (a.peer === 'best' && (graph !== 'model.onnx' || batch !== 1)) continue;
      jobs.push({ name: `onnxruntime-web ${graph === 'model.onnx' ? 'int8' : 'fp32'}, ${batch === 1 ? 'one pair per run' : 'batch 16'}`,
        fn: 'benchOrt', arg: { ...common, onnx: `/hf/onnx/${graph}`, batch } });
    }
  }
  for (const job of jobs) rows.push({ name: job.name, ours: job.ours, seconds: [] });
  for (let round = 0; round < rounds; ++round) {
    for (const [i, job] of jobs.entries()) {
      const r = await inPage(job.fn, job.arg);
      if (r.threads !== threads) throw new Error(`${job.fn} ran on ${r.threads} threads, not ${threads}`);
      if (job.ours) rows[i].name = `indorerank wasm (\`${r.kernel}\`)`;
      rows[i].seconds.push(r.seconds);
    }
  }
  console.log(`machine: ${cpus()[0].model}; ${browserName}, ${DISPLAY[a.engine]}, ${threads === 1 ? 'one thread' : `${threads} threads`} each; ` +
    `${ids.length} pairs (${a.queries} queries x 100), tokens per pair mean ${meanLen.toFixed(1)} (min ${minLen}, max ${maxLen}), ` +
    `median of ${a.runs} runs` + (rounds > 1 ? `; ${rounds} rounds in turn, their median (range)` : ''));
  const median = (v) => [...v].sort((x, y) => x - y)[Math.floor((v.length - 1) / 2)];
  console.log('| runtime | pairs/s | ms per 100-candidate query |');
  console.log('| --- | --- | --- |');
  for (const r of rows) {
    const pps = r.seconds.map((t) => ids.length / t);
    r.pps = median(pps);
    const range = rounds > 1 ? ` (${Math.min(...pps).toFixed(1)}-${Math.max(...pps).toFixed(1)})` : '';
    console.log(`| ${r.name} | ${r.pps.toFixed(1)}${range} | ${((1000 * median(r.seconds)) / Math.ceil(ids.length / 100)).toFixed(0)} |`);
  }
  const best = rows.filter((r) => !r.ours).reduce((x, y) => (y.pps > x.pps ? y : x));
  for (const r of rows.filter((x) => x.ours)) {
    const each = rounds > 1 ? `; round by round ${r.seconds.map((t, i) => (best.seconds[i] / t).toFixed(2)).join(', ')}` : '';
    console.log(`${r.name} / best onnxruntime-web (${best.name}): ${(r.pps / best.pps).toFixed(2)}x${each}`);
  }
} finally {
  await close();
  await server.close();
}
