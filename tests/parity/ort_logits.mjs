// Run an XLM-R cross-encoder ONNX model with onnxruntime-node.
//
//   node tests/parity/ort_logits.mjs MODEL.onnx IN.jsonl OUT.jsonl [--batch N] [--opt LEVEL]
//
// IN.jsonl : one {"input_ids": [...]} per line (other fields ignored)
// OUT.jsonl: one {"logit": x} per input line, same order.
// Batch size 1 (default): attention_mask all ones. With --batch N, N
// consecutive lines are padded to the longest with <pad>=1 / mask 0.
// Session: 1 intra-op thread, 1 inter-op thread, graph optimization "all"
// (--opt disabled|basic|extended|all to change it, for debugging).

import fs from 'node:fs';
import readline from 'node:readline';
import ort from 'onnxruntime-node';

function usage() {
  console.error('usage: node ort_logits.mjs MODEL.onnx IN.jsonl OUT.jsonl [--batch N] [--opt LEVEL]');
  process.exit(2);
}

const args = process.argv.slice(2);
let batch = 1;
let opt = 'all';
const pos = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--batch') {
    batch = parseInt(args[++i], 10);
    if (!(batch >= 1)) usage();
  } else if (args[i] === '--opt') {
    opt = args[++i];
    if (!['disabled', 'basic', 'extended', 'all'].includes(opt)) usage();
  } else {
    pos.push(args[i]);
  }
}
if (pos.length !== 3) usage();
const [modelPath, inPath, outPath] = pos;

const PAD_ID = 1n;

async function readSeqs(path) {
  const seqs = [];
  const rl = readline.createInterface({ input: fs.createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const ids = JSON.parse(line).input_ids;
    if (!Array.isArray(ids) || ids.length === 0) throw new Error(`bad input_ids on line ${seqs.length + 1}`);
    seqs.push(ids);
  }
  return seqs;
}

async function main() {
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: opt,
    executionMode: 'sequential',
  });
  const seqs = await readSeqs(inPath);
  const out = [];
  const t0 = process.hrtime.bigint();
  for (let s = 0; s < seqs.length; s += batch) {
    const group = seqs.slice(s, s + batch);
    const B = group.length;
    const S = Math.max(...group.map((g) => g.length));
    const ids = new BigInt64Array(B * S).fill(PAD_ID);
    const mask = new BigInt64Array(B * S);
    group.forEach((g, b) => {
      for (let j = 0; j < g.length; j++) {
        ids[b * S + j] = BigInt(g[j]);
        mask[b * S + j] = 1n;
      }
    });
    const res = await session.run({
      input_ids: new ort.Tensor('int64', ids, [B, S]),
      attention_mask: new ort.Tensor('int64', mask, [B, S]),
    });
    const logits = res.logits.data;
    for (let b = 0; b < B; b++) out.push(JSON.stringify({ logit: logits[b] }));
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  fs.writeFileSync(outPath, out.join('\n') + (out.length ? '\n' : ''));
  console.error(`ort_logits: ${seqs.length} sequences, batch ${batch}, ${ms.toFixed(1)} ms`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
