// Engine parity: our int8 engine (through the CLI) against onnxruntime-node
// running the fp32 ONNX export of the same weights, on identical input ids.
//
//   node tests/parity/engine_parity.mjs --cli BIN --hf HF_DIR --model M.int8.safetensors
//        [--pairs N] [--threads T] [--max-length L]
//
// Passes when Pearson(logits) >= 0.999 and, per query, the top-10 order by
// fp32 logits is kept wherever neighbouring fp32 logits differ by more than
// twice the measured max absolute int8 error (two errors of opposite sign can
// close a gap of up to twice the max). Prints the error figures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { makeGroups } from './pairs.mjs';

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

  const n = ref.length;
  const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
  const mr = mean(ref), mo = mean(ours);
  let sxy = 0, sxx = 0, syy = 0, maxErr = 0, sumErr = 0;
  for (let i = 0; i < n; i++) {
    sxy += (ref[i] - mr) * (ours[i] - mo);
    sxx += (ref[i] - mr) ** 2;
    syy += (ours[i] - mo) ** 2;
    const e = Math.abs(ref[i] - ours[i]);
    maxErr = Math.max(maxErr, e);
    sumErr += e;
  }
  const pearson = sxy / Math.sqrt(sxx * syy);
  const tol = 2 * maxErr;
  let checked = 0, violations = 0;
  groups.forEach((g, gi) => {
    const idx = g.passages.map((_, j) => gi * perGroup + j);
    const byRef = [...idx].sort((x, y) => ref[y] - ref[x]).slice(0, 10);
    for (let k = 0; k + 1 < byRef.length; k++) {
      const [hi, lo] = [byRef[k], byRef[k + 1]];
      if (ref[hi] - ref[lo] > tol) {
        checked++;
        if (!(ours[hi] > ours[lo])) violations++;
      }
    }
  });
  const lens = enc.map((e) => e.input_ids.length);
  console.log(`pairs: ${n} (${groups.length} queries), tokens per pair: min ${Math.min(...lens)} mean ${mean(lens).toFixed(1)} max ${Math.max(...lens)}`);
  console.log(`fp32 logit spread: std ${Math.sqrt(sxx / n).toFixed(3)}`);
  console.log(`pearson: ${pearson.toFixed(6)}`);
  console.log(`abs logit error: max ${maxErr.toExponential(3)} mean ${(sumErr / n).toExponential(3)}`);
  console.log(`top-10 neighbour orders checked: ${checked} (gap > ${tol.toExponential(2)}), violations: ${violations}`);
  console.log(`time: ours ${oursMs.toFixed(0)} ms (CLI incl. load), onnxruntime-node fp32 ${refMs.toFixed(0)} ms`);
  const ok = pearson >= 0.999 && violations === 0 && checked > 0;
  console.log(ok ? 'PASS' : 'FAIL');
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
