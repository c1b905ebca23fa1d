// `make bench-wasm`: indorerank's WebAssembly build vs onnxruntime-web (its
// wasm backend) in Node, one thread each, on the full mMiniLMv2-L12-H384-shaped
// fixture: realistic Indonesian queries, 100 candidates of 60-250 tokens per
// query, max_length 256, the same input ids for all (tokenization excluded).
// Ours runs with the kernel the package picks (wasm_relaxed where this Node
// reads relaxed SIMD exactly: Node 22 and later on CPUs with VNNI) and with
// wasm_simd128 by name; onnxruntime-web gets its fp32 and int8 graphs, one
// pair per run and padded batches of 16; the best is the reference. Each run
// is its own process (so its peak RSS is its own), in turn.
// The machine's speed moves between runs, so --rounds N runs the whole list
// N times in turn and gives each row's median and range, and the ratios
// round by round; --peer best keeps only onnxruntime-web's usual best (int8,
// one pair per run) to make rounds cheaper.
//   node bench/wasm_vs_ort_web.mjs --hf HF_DIR --model M.int8.safetensors [--queries 2] [--runs 3]
//                                  [--rounds 1] [--peer all|best] [--threads 1]
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
    runs: { type: 'string', default: '3' }, rounds: { type: 'string', default: '1' },
    peer: { type: 'string', default: 'all' }, threads: { type: 'string', default: '1' },
  },
});
if (!['all', 'best'].includes(a.peer)) throw new Error('--peer takes all or best');
const rounds = Number(a.rounds);
if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error('--rounds takes a whole number >= 1');
const tmp = mkdtempSync(path.join(tmpdir(), 'indorerank-bench-wasm-'));
try {
  const { ids, meanLen, minLen, maxLen } = await modelInputs(a.model, Number(a.queries));
  const idsFile = path.join(tmp, 'ids.jsonl');
  writeFileSync(idsFile, ids.map((s) => JSON.stringify({ input_ids: s })).join('\n') + '\n');

  // Children run on this process's Node.
  const json = (script, args) =>
    JSON.parse(execFileSync(process.execPath, [path.join(here, script), ...args], { maxBuffer: 1 << 26 }).toString());
  const common = ['--ids', idsFile, '--runs', a.runs, '--threads', a.threads];
  const jobs = [[], ['--kernel', 'wasm_simd128']].map((kernel) => ({
    ours: true, script: 'wasm_runner.mjs', args: ['--model', a.model, ...kernel, ...common],
  }));
  for (const graph of ['model.onnx', 'model_fp32.onnx']) {
    for (const batch of ['1', '16']) {
      if (a.peer === 'best' && (graph !== 'model.onnx' || batch !== '1')) continue;
      jobs.push({
        name: `onnxruntime-web ${graph === 'model.onnx' ? 'int8' : 'fp32'}, ${batch === '1' ? 'one pair per run' : 'batch 16'}`,
        script: 'ort_runner.mjs', args: ['--runtime', 'web', '--onnx', path.join(a.hf, 'onnx', graph), '--batch', batch, ...common],
      });
    }
  }
  const rows = jobs.map((j) => ({ name: j.name, ours: j.ours, seconds: [], rss: [] }));
  for (let round = 0; round < rounds; ++round) {
    for (const [i, job] of jobs.entries()) {
      const r = json(job.script, job.args);
      if (job.ours) rows[i].name = `indorerank wasm (\`${r.kernel}\`)`;
      rows[i].seconds.push(r.median_s);
      rows[i].rss.push(r.peak_rss_mb);
    }
  }
  const median = (v) => [...v].sort((x, y) => x - y)[Math.floor((v.length - 1) / 2)];
  console.log(`machine: ${cpus()[0].model}, Node ${process.versions.node}, ${a.threads} thread(s); ${ids.length} pairs ` +
    `(${a.queries} queries x 100), tokens per pair mean ${meanLen.toFixed(1)} (min ${minLen}, max ${maxLen}), ` +
    `max_length 256, median of ${a.runs} runs` + (rounds > 1 ? `; ${rounds} rounds in turn, their median (range)` : ''));
  console.log('| runtime | pairs/s | ms per 100-candidate query | peak RSS MB |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) {
    const pps = r.seconds.map((t) => ids.length / t);
    r.pps = median(pps);
    const range = rounds > 1 ? ` (${Math.min(...pps).toFixed(1)}-${Math.max(...pps).toFixed(1)})` : '';
    console.log(`| ${r.name} | ${r.pps.toFixed(1)}${range} | ${((1000 * median(r.seconds)) / Math.ceil(ids.length / 100)).toFixed(0)} ` +
      `| ${median(r.rss).toFixed(0)} |`);
  }
  const best = rows.filter((r) => !r.ours).reduce((x, y) => (y.pps > x.pps ? y : x));
  for (const r of rows.filter((x) => x.ours)) {
    const each = rounds > 1 ? `; round by round ${r.seconds.map((t, i) => (best.seconds[i] / t).toFixed(2)).join(', ')}` : '';
    console.log(`${r.name} / best onnxruntime-web (${best.name}): ${(r.pps / best.pps).toFixed(2)}x speed${each}, ` +
      `${(median(best.rss) / median(r.rss)).toFixed(1)}x less peak memory`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
