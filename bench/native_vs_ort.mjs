// `make bench-native`: our native engine vs onnxruntime-node on the full
// mMiniLMv2-L12-H384-shaped fixture, one thread, realistic Indonesian inputs
// (queries of a few words, passages of 60-250 tokens, 100 candidates per
// query, max_length 256). Tokenization is excluded for both (same input ids).
// Besides the kernel the engine picks, every other kernel it lists (ref aside)
// gets a row of its own, so one run shows what each CPU class would get.
//   node bench/native_vs_ort.mjs --cli BIN --hf HF_DIR --model M.int8.safetensors [--queries 3] [--runs 3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { benchmarkInputs } from './candidates.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: a } = parseArgs({
  options: {
    cli: { type: 'string' }, hf: { type: 'string' }, model: { type: 'string' },
    queries: { type: 'string', default: '3' }, runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
  },
});
const tmp = mkdtempSync(path.join(tmpdir(), 'indorerank-bench-'));
try {
  const want = Number(a.queries);
  const pairsFile = path.join(tmp, 'pairs.jsonl');
  const { ids, meanLen, minLen, maxLen } = await benchmarkInputs((pairs) => {
    writeFileSync(pairsFile, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
    return execFileSync(a.cli, ['tokenize', '-m', a.model, '--pairs', pairsFile], { maxBuffer: 1 << 28 })
      .toString().trim().split('\n').map((l) => JSON.parse(l).input_ids);
  }, want);
  const idsFile = path.join(tmp, 'ids.jsonl');
  writeFileSync(idsFile, ids.map((s) => JSON.stringify({ input_ids: s })).join('\n') + '\n');

  // Interleaved rounds: each round runs ours and every peer configuration once,
  // so a change in machine load (these machines are shared) hits all alike;
  // each row is the median over the rounds.
  const ourRun = (threads, kernel) => JSON.parse(execFileSync(a.cli, ['bench', '-m', a.model, '--ids', idsFile, '--group', '100',
    '--runs', '1', '--threads', String(threads), ...(kernel ? ['--kernel', kernel] : [])]).toString());
  const info = execFileSync(a.cli, ['info', '-m', a.model]).toString();
  const picked = info.match(/^kernel: (\S+)$/m)[1];
  const others = info.match(/^kernels: (.*)$/m)[1].split(' ').filter((k) => k !== picked && k !== 'ref');
  const peers = [];
  for (const graph of ['model.onnx', 'model_fp32.onnx'])
    for (const batch of ['1', '16']) peers.push({ graph, batch, name: `onnxruntime-node ${graph === 'model.onnx' ? 'int8' : 'fp32'} batch ${batch}` });
  const peerRun = (p) => JSON.parse(execFileSync('node', [path.join(here, 'ort_runner.mjs'), '--runtime', 'node',
    '--onnx', path.join(a.hf, 'onnx', p.graph), '--ids', idsFile, '--batch', p.batch, '--runs', '1', '--threads', a.threads]).toString());
  const cores = cpus().length;
  const allCores = a.threads === '1' && cores > 1;
  const samples = { ours: [], oursAll: [], ...Object.fromEntries([...others, ...peers.map((p) => p.name)].map((k) => [k, []])) };
  for (let round = 0; round < Number(a.runs); round++) {
    samples.ours.push(ourRun(a.threads));
    if (allCores) samples.oursAll.push(ourRun(cores));
    for (const k of others) samples[k].push(ourRun(a.threads, k));
    for (const p of peers) samples[p.name].push(peerRun(p));
  }
  const median = (list) => [...list].sort((x, y) => x.pairs_per_s - y.pairs_per_s)[Math.floor(list.length / 2)];
  const ours = median(samples.ours);
  const rows = [{ name: `indorerank (${ours.kernel})`, ...ours }];
  for (const k of others) rows.push({ name: `indorerank (\`--kernel ${k}\`)`, ...median(samples[k]) });
  const peerRows = peers.map((p) => ({ name: p.name, ...median(samples[p.name]) }));
  rows.push(...peerRows);
  const best = peerRows.reduce((x, y) => (y.pairs_per_s > x.pairs_per_s ? y : x));
  console.log(`machine: ${cpus()[0].model}, ${a.threads} thread(s); ${ids.length} pairs (${want} queries x 100), ` +
    `tokens per pair mean ${meanLen.toFixed(1)} (min ${minLen}, max ${maxLen}), max_length 256, median of ${a.runs} interleaved rounds`);
  console.log('| runtime | pairs/s | ms per 100-candidate query | peak RSS MB |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows)
    console.log(`| ${r.name} | ${r.pairs_per_s.toFixed(1)} | ${r.ms_per_request.toFixed(0)} | ${r.peak_rss_mb.toFixed(0)} |`);
  console.log(`ours / best onnxruntime-node (${best.name}): ${(ours.pairs_per_s / best.pairs_per_s).toFixed(2)}x; ` +
    `ours achieved ${ours.gmac_per_s.toFixed(1)} GMAC/s`);
  for (const k of others)
    console.log(`  with --kernel ${k}: ${(median(samples[k]).pairs_per_s / best.pairs_per_s).toFixed(2)}x`);
  if (allCores) {
    const all = median(samples.oursAll).pairs_per_s;
    const ratios = samples.oursAll.map((x, i) => x.pairs_per_s / samples.ours[i].pairs_per_s).sort((x, y) => x - y);
    console.log(`ours with ${cores} threads: ${all.toFixed(1)} pairs/s, ${(all / ours.pairs_per_s).toFixed(2)}x one thread ` +
      `(per round: ${ratios.map((x) => x.toFixed(2)).join(', ')})`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
