// `make bench-relaxed`: what Node and Chromium make of relaxed SIMD's int8
// dot product here, next to the SIMD128 form our wasm kernel uses (see
// probe.c). Prints GMAC/s (median of 5) and, for Node, the x64 instructions
// V8 emitted for the relaxed dot.
//   node bench/relaxed_probe/run.mjs [--out build/relaxed_probe]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const { values: a } = parseArgs({ options: { out: { type: 'string', default: path.join(root, 'build/relaxed_probe') }, child: { type: 'string' } } });

// The measurement itself, shared by Node (this file run with --child) and the page.
const measure = `async (bytes) => {
  const { instance } = await WebAssembly.instantiate(bytes);
  const e = instance.exports;
  const u8 = new Uint8Array(e.memory.buffer, 65536, 4096);
  for (let i = 0; i < u8.length; ++i) u8[i] = (i * 37 + 11) & 127;
  const N = 20000000, out = {};
  for (const [name, macs] of [['simd128', 48], ['relaxed7', 96], ['relaxed8', 48], ['relaxed7_peak', 192]]) {
    const runs = [];
    // Let the optimizing tier replace the baseline code before timing
    // (a running wasm call never switches tiers).
    for (let i = 0; i < 3; ++i) e[name](65536, 65536 + 2048, 100000);
    await new Promise((r) => setTimeout(r, 500));
    e[name](65536, 65536 + 2048, 100000);
    for (let r = 0; r < 5; ++r) {
      const t = performance.now();
      e[name](65536, 65536 + 2048, N);
      runs.push((N * macs) / ((performance.now() - t) / 1e3) / 1e9);
    }
    out[name] = runs.sort((x, y) => x - y)[2];
  }
  // How the 7-bit operand's bytes 128..255 are read: 4 equal products per lane.
  const cases = [[127, 255], [-128, 200], [100, 127], [-7, 129]];
  const got = cases.map(([x, y]) => e.one_lane(x, y));
  const as = (f) => cases.every(([x, y], i) => got[i] === f(x, y));
  out.semantics = as((x, y) => 4 * x * y) ? 'exact u8 x s8 (an unsigned reading: VNNI)'
    : as((x, y) => 4 * x * (y > 127 ? y - 256 : y)) ? 'exact s8 x s8 (a signed reading: sdot)'
    : as((x, y) => 2 * Math.max(-32768, Math.min(32767, 2 * x * y))) ? 'u8 x s8 with int16 saturation (pmaddubsw)'
    : 'other: ' + JSON.stringify(got) + ' for ' + JSON.stringify(cases);
  return out;
}`;

if (a.child) {
  console.log(JSON.stringify(await eval(measure)(readFileSync(a.child))));
  process.exit(0);
}

mkdirSync(a.out, { recursive: true });
const obj = path.join(a.out, 'probe.o'), wasm = path.join(a.out, 'probe.wasm');
execFileSync('clang-19', ['--target=wasm32', '-O2', '-msimd128', '-mrelaxed-simd', '-ffreestanding', '-c',
  path.join(here, 'probe.c'), '-o', obj]);
execFileSync('wasm-ld-19', ['--no-entry', '--export-memory', '--export=simd128', '--export=relaxed7',
  '--export=relaxed8', '--export=relaxed7_peak', '--export=one_lane', '-o', wasm, obj]);
const bytes = readFileSync(wasm);

const nodeMajor = Number(process.versions.node.split('.')[0]);
const nodeFlags = nodeMajor < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
const self = fileURLToPath(import.meta.url);
const nodeResult = JSON.parse(execFileSync('node', [...nodeFlags, self, '--child', wasm]).toString());
const code = execFileSync('node', [...nodeFlags, '--print-wasm-code', self, '--child', wasm], { maxBuffer: 1 << 28 }).toString();
const count = (re) => (code.match(re) || []).length;
const emitted = `vpdpbusd ${count(/\bvpdpbusd\b/g)}, vpmaddubsw ${count(/\bvpmaddubsw\b/g)}, vpmaddwd ${count(/\bvpmaddwd\b/g)}`;

const { chromium } = await import(path.join(root, 'tests/node_modules/playwright-core/index.mjs'));
const server = http.createServer((req, res) => {
  if (req.url === '/probe.wasm') { res.writeHead(200, { 'content-type': 'application/wasm' }); res.end(bytes); return; }
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(`<script type=module>window.result = await (${measure})(await (await fetch('/probe.wasm')).arrayBuffer());</script>`);
}).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
let chromeResult, chromeVersion;
try {
  chromeVersion = browser.version();
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => window.result, null, { timeout: 300000 });
  chromeResult = await page.evaluate(() => window.result);
} finally {
  await browser.close();
  server.close();
}

console.log(`machine: ${cpus()[0].model}; GMAC/s of int8 multiply-adds, one thread, median of 5`);
console.log('| runtime | simd128 (dot_i16x8 + add) | relaxed7 (one relaxed dot, 7-bit operand) | relaxed8 (exact int8: two relaxed dots) | relaxed dot peak (12 independent dots) |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, r] of [[`Node ${process.versions.node}`, nodeResult], [`Chromium ${chromeVersion}`, chromeResult]])
  console.log(`| ${name} | ${r.simd128.toFixed(1)} | ${r.relaxed7.toFixed(1)} | ${r.relaxed8.toFixed(1)} | ${r.relaxed7_peak.toFixed(1)} |`);
console.log(`Node's V8 emitted for these loops: ${emitted}`);
for (const [name, r] of [[`Node ${process.versions.node}`, nodeResult], [`Chromium ${chromeVersion}`, chromeResult]])
  console.log(`${name} reads the relaxed dot's 7-bit operand past 127 as: ${r.semantics}`);
