// indorerank's WebAssembly build (the npm package in Node), timed in its own
// process so its peak RSS is its own. Prints one JSON object.
//   node bench/wasm_runner.mjs --model M.int8.safetensors --ids IDS.jsonl [--group 100] [--runs 3] [--threads 1]
//                              [--kernel NAME]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Reranker } from '../js/src/node.js';
import { medianSeconds } from './candidates.mjs';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string' }, ids: { type: 'string' }, group: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' }, threads: { type: 'string', default: '1' }, kernel: { type: 'string' },
  },
});
const seqs = readFileSync(a.ids, 'utf8').trim().split('\n').map((l) => JSON.parse(l).input_ids);
const group = Number(a.group);
const r = await Reranker.load(a.model, { threads: Number(a.threads), ...(a.kernel ? { kernel: a.kernel } : {}) });
const median = await medianSeconds(async () => {
  for (let g = 0; g < seqs.length; g += group) await r.scoreIds(seqs.slice(g, g + group));
}, Number(a.runs));
const info = r.info();
console.log(JSON.stringify({
  runtime: 'indorerank-wasm', kernel: info.kernel, threads: info.threads, thread_mode: info.threadMode,
  pairs: seqs.length, median_s: median, pairs_per_s: seqs.length / median,
  ms_per_request: (1000 * median) / Math.ceil(seqs.length / group),
  peak_rss_mb: process.resourceUsage().maxRSS / 1024, wasm_memory_mb: info.wasmMemoryBytes / 2 ** 20,
}));
r.dispose();
