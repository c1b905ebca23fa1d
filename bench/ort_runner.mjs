// One onnxruntime configuration (onnxruntime-node, or onnxruntime-web on its
// wasm backend), timed in its own process (so its peak RSS is its own).
// Prints one JSON object.
//   node bench/ort_runner.mjs --runtime node|web --onnx MODEL.onnx --ids IDS.jsonl --batch B --group G --runs R --threads T
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { paddedFeeds } from './ort_feeds.mjs';

const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'package.json'));

const { values: a } = parseArgs({
  options: {
    onnx: { type: 'string' }, ids: { type: 'string' }, batch: { type: 'string', default: '1' },
    group: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' }, runtime: { type: 'string', default: 'node' },
  },
});
const web = a.runtime === 'web';
const ort = web ? await import(require.resolve('onnxruntime-web')) : require('onnxruntime-node');
if (web) ort.env.wasm.numThreads = Number(a.threads);
const seqs = readFileSync(a.ids, 'utf8').trim().split('\n').map((l) => JSON.parse(l).input_ids);
const batch = Number(a.batch), group = Number(a.group);
const session = await ort.InferenceSession.create(web ? readFileSync(a.onnx) : a.onnx, web
  ? { executionProviders: ['wasm'], graphOptimizationLevel: 'all' }
  : { intraOpNumThreads: Number(a.threads), interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });

const feeds = paddedFeeds(ort, seqs, batch, group);
await session.run(feeds[0]);  // warm-up
const times = [];
for (let r = 0; r < Number(a.runs); r++) {
  const t0 = performance.now();
  for (const f of feeds) await session.run(f);
  times.push((performance.now() - t0) / 1000);
}
times.sort((x, y) => x - y);
const median = times[Math.floor(times.length / 2)];
console.log(JSON.stringify({
  runtime: web ? 'onnxruntime-web' : 'onnxruntime-node', graph: path.basename(a.onnx), batch, threads: Number(a.threads),
  pairs: seqs.length, median_s: median, pairs_per_s: seqs.length / median,
  ms_per_request: (1000 * median) / Math.ceil(seqs.length / group),
  peak_rss_mb: process.resourceUsage().maxRSS / 1024,
}));
