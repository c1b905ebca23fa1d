// The relaxed-SIMD side module's GEMM timed on its own in the Node that runs
// this (Node 24 reads the relaxed dot exactly on VNNI CPUs; kernels_bench in
// Node has no side module), for tiles tuned in Chromium to be checked here.
// Inputs are arbitrary bytes: this times, it does not check (the tests do).
//   PATH=third_party/node-lts/bin:$PATH node bench/relaxed_gemm_node.mjs [--module FILE ...]
//       [--m 115] [--k 384] [--n 1152]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    module: { type: 'string', multiple: true, default: [path.join(root, 'build/wasm/bin/indorerank-relaxed.wasm')] },
    m: { type: 'string', default: '115' }, k: { type: 'string', default: '384' }, n: { type: 'string', default: '1152' },
  },
});
const M = Number(a.m), K = Number(a.k), NB = Math.ceil(Number(a.n) / 16);
if (K % 4) throw new Error('--k must be a multiple of 4 (the packed depth)');
// One memory for all modules; the gemm_f32 contract of wasm_relaxed_module.cpp.
const memory = new WebAssembly.Memory({ initial: 1024 });
const MB = 1 << 20, DQ = 0, A = 1 * MB, W = 4 * MB, CS = 40 * MB, AS = 41 * MB, AZ = 42 * MB, WS = 43 * MB, B = 44 * MB,
  Y = 45 * MB, SCRATCH = 60 * MB;
const dv = new DataView(memory.buffer);
[AS, AZ, WS, B, NB * 16].forEach((v, i) => dv.setInt32(4 * i, v, true));
const u8 = new Uint8Array(memory.buffer);
for (let i = 0; i < M * K; i++) u8[A + i] = (i * 7919) & 255;
for (let i = 0; i < NB * 16 * K; i++) u8[W + i] = (i * 104729) & 255;
const call = (e) => e.gemm_f32(1, M, K, A, K, W, CS, 0, NB, DQ, Y, NB * 16, SCRATCH);
const mods = a.module.map((f) => [f, new WebAssembly.Instance(new WebAssembly.Module(readFileSync(f)), { env: { memory } }).exports]);
const calls = Math.max(1, Math.round(2e9 / (M * K * NB * 16)));
for (const [, e] of mods) for (let i = 0; i < 3 * calls; i++) call(e);  // let V8's optimizing tier take over
console.log(`Node ${process.versions.node}, ${M} x ${NB * 16} x ${K}, GMAC/s, median of 5, modules in turn`);
const runs = new Map(mods.map(([f]) => [f, []]));
for (let r = 0; r < 5; r++)
  for (const [f, e] of mods) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) call(e);
    runs.get(f).push((M * K * NB * 16 * calls) / ((performance.now() - t) / 1e3) / 1e9);
  }
for (const [f, v] of runs) console.log(`${path.relative(process.cwd(), f)}: ${v.sort((x, y) => x - y)[2].toFixed(1)}`);
