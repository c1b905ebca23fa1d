// Engine parity: our int8 engine (through the CLI) against onnxruntime-node
// running the fp32 ONNX export of the same weights, on identical input ids.
//
//   node tests/parity/engine_parity.mjs --cli BIN --hf HF_DIR --model M.int8.safetensors
//        [--pairs N] [--threads T] [--max-length L]
//
// Passes when the engines agree as agreement.mjs defines it. Prints the figures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { makeGroups } from './pairs.mjs';
import { agreement, describe } from './agreement.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

const { values: a } = parseArgs({
  options: {
    cli: { type: 'string' }, hf: { type: 'string' }, model: { type: 'string' },
    pairs: { type: 'string', default: '200' }, threads: { type: 'string', default: '1' },
    'max-length': { type: 'string', default: '256' },
  },
});
const perGroup = 20;
const groups = makeGroups({ groups: Math.ceil(Number(a.pairs) / perGroup), perGroup, seed: 42 });
const tmp = mkdtempSync(path.join(tmpdir(), 'indorerank-parity-'));
try {
  const pairsFile = path.join(tmp, 'pairs.jsonl');
  writeFileSync(pairsFile, groups.flatMap((g) => g.passages.map((p) => JSON.stringify({ query: g.query, passage: p }))).join('\n') + '\n');
  const ml = ['--max-length', a['max-length']];
  const enc = execFileSync(a.cli, ['tokenize', '-m', a.model, '--pairs', pairsFile, ...ml], { maxBuffer: 1 << 28 })
    .toString().trim().split('\n').map((l) => JSON.parse(l));
  const idsFile = path.join(tmp, 'ids.jsonl');
  writeFileSync(idsFile, enc.map((e) => JSON.stringify({ input_ids: e.input_ids })).join('\n') + '\n');
  const t0 = performance.now();
  const ours = execFileSync(a.cli, ['score', '-m', a.model, '--ids', idsFile, '--threads', a.threads, ...ml], { maxBuffer: 1 << 28 })
    .toString().trim().split('\n').map((l) => JSON.parse(l).logit);
  const oursMs = performance.now() - t0;

  const session = await ort.InferenceSession.create(path.join(a.hf, 'onnx', 'model_fp32.onnx'), {
    intraOpNumThreads: Number(a.threads), interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const ref = [];
  const t1 = performance.now();
  for (const e of enc) {
    const n = e.input_ids.length;
    const ids = new ort.Tensor('int64', BigInt64Array.from(e.input_ids.map(BigInt)), [1, n]);
    const mask = new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);
    const out = await session.run({ input_ids: ids, attention_mask: mask });
    ref.push(out.logits.data[0]);
  }
  const refMs = performance.now() - t1;

  const agr = agreement(ref, ours, groups.map((g, gi) => g.passages.map((_, j) => gi * perGroup + j)));
  const lens = enc.map((e) => e.input_ids.length);
  const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
  console.log(`pairs: ${agr.n} (${groups.length} queries), tokens per pair: min ${Math.min(...lens)} mean ${mean(lens).toFixed(1)} max ${Math.max(...lens)}`);
  for (const line of describe(agr)) console.log(line);
  console.log(`time: ours ${oursMs.toFixed(0)} ms (CLI incl. load), onnxruntime-node fp32 ${refMs.toFixed(0)} ms`);
  console.log(agr.ok ? 'PASS' : 'FAIL');
  process.exitCode = agr.ok ? 0 : 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
