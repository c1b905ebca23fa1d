// `make bench-wasm`: indorerank's WebAssembly build vs onnxruntime-web (its
// wasm backend) in Node, one thread each, on the full mMiniLMv2-L12-H384-shaped
// fixture: realistic Indonesian queries, 100 candidates of 60-250 tokens per
// query, max_length 256, the same input ids for all (tokenization excluded).
// onnxruntime-web gets its fp32 and int8 graphs, one pair per run and padded
// batches of 16; the best is the reference. Each runtime runs in its own
// process, back to back.
//   node bench/wasm_vs_ort_web.mjs --hf HF_DIR --model M.int8.safetensors [--queries 2] [--runs 3] [--threads 1]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { modelInputs } from './candidates.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: a } = parseArgs({
  options: {
    hf: { type: 'string' }, model: { type: 'string' }, queries: { type: 'string', default: '2' },
    runs: { type: 'string', default: '3' }, threads: { type: 'string', default: '1' },
  },
});
const tmp = mkdtempSync(path.join(tmpdir(), 'indorerank-bench-wasm-'));
try {
  const { ids, meanLen, minLen, maxLen } = await modelInputs(a.model, Number(a.queries));
  const idsFile = path.join(tmp, 'ids.jsonl');
  writeFileSync(idsFile, ids.map((s) => JSON.stringify({ input_ids: s })).join('\n') + '\n');

  const json = (script, args) => JSON.parse(execFileSync('node', [path.join(here, script), ...args], { maxBuffer: 1 << 26 }).toString());
  const common = ['--ids', idsFile, '--runs', a.runs, '--threads', a.threads];
  const ours = json('wasm_runner.mjs', ['--model', a.model, ...common]);
  const rows = [{ name: `indorerank wasm (${ours.kernel})`, ...ours }];
  for (const graph of ['model.onnx', 'model_fp32.onnx']) {
    for (const batch of ['1', '16']) {
      const r = json('ort_runner.mjs', ['--runtime', 'web', '--onnx', path.join(a.hf, 'onnx', graph), '--batch', batch, ...common]);
      rows.push({ name: `onnxruntime-web ${graph === 'model.onnx' ? 'int8' : 'fp32'}, ${batch === '1' ? 'one pair per run' : 'batch 16'}`, ...r });
    }
  }
  const best = rows.slice(1).reduce((x, y) => (y.pairs_per_s > x.pairs_per_s ? y : x));
  console.log(`machine: ${cpus()[0].model}, Node ${process.versions.node}, ${a.threads} thread(s); ${ids.length} pairs ` +
    `(${a.queries} queries x 100), tokens per pair mean ${meanLen.toFixed(1)} (min ${minLen}, max ${maxLen}), ` +
    `max_length 256, median of ${a.runs} runs`);
  console.log('| runtime | pairs/s | ms per 100-candidate query | peak RSS MB |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.name} | ${r.pairs_per_s.toFixed(1)} | ${r.ms_per_request.toFixed(0)} | ${r.peak_rss_mb.toFixed(0)} |`);
  console.log(`ours / best onnxruntime-web (${best.name}): ${(ours.pairs_per_s / best.pairs_per_s).toFixed(2)}x speed, ` +
    `${(best.peak_rss_mb / ours.peak_rss_mb).toFixed(1)}x less peak memory`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
