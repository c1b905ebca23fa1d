// The wasm kernel and op benchmarks (kernels_bench, ops_bench of the
// single-thread build) in Debian's Chromium, in a Web Worker, with the
// relaxed-SIMD module given as the package gives it: what Node 20 cannot
// show (its relaxed SIMD is inexact, so only wasm_simd128 runs there).
// --engine firefox or webkit runs them in Firefox ESR or WebKitGTK instead
// (tests/browser/engines.mjs; Node 22 or later).
//   node bench/wasm_in_chromium.mjs [--build build] [--tokens 206] [--only kernels|ops]
//                                   [--relaxed FILE]  (another indorerank-relaxed.wasm, e.g. a tile being tuned)
//                                   [--engine chromium|firefox|webkit]
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchEngine } from '../tests/browser/engines.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    build: { type: 'string', default: 'build' }, tokens: { type: 'string', default: '206' },
    only: { type: 'string' }, relaxed: { type: 'string' }, engine: { type: 'string', default: 'chromium' },
  },
});
if (a.only && !['kernels', 'ops'].includes(a.only)) throw new Error('--only takes kernels or ops');
const bin = path.resolve(root, a.build, 'wasm', 'bin');

// The worker: compiles the relaxed module (if this engine validates it), then
// runs one Emscripten program with its output sent back line by line.
const worker = `onmessage = async ({ data: { script, args } }) => {
  let relaxedSimd;
  try { relaxedSimd = await WebAssembly.compile(await (await fetch('indorerank-relaxed.wasm')).arrayBuffer()); } catch {}
  self.Module = { arguments: args, relaxedSimd, print: (s) => postMessage({ line: s }), printErr: (s) => postMessage({ line: s }),
    postRun: [() => postMessage({ done: true })] };
  importScripts(script);
};`;
const page = `<script>
window.run = (script, args) => new Promise((resolve) => {
  const w = new Worker('worker.js'), lines = [];
  w.onerror = (e) => resolve(lines.concat('worker error: ' + e.message).join('\\n'));
  w.onmessage = ({ data }) => { if (data.done) { w.terminate(); resolve(lines.join('\\n')); } else lines.push(data.line); };
  w.postMessage({ script, args });
});
</script>`;

const server = http.createServer((req, res) => {
  const name = req.url.slice(1);
  if (name === '') return res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  if (name === 'worker.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(worker);
  if (!/^(kernels_bench|ops_bench)\.(js|wasm)$|^indorerank-relaxed\.wasm$/.test(name)) return res.writeHead(404).end();
  const type = name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
  const file = name === 'indorerank-relaxed.wasm' && a.relaxed ? path.resolve(a.relaxed) : path.join(bin, name);
  res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
}).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));

const { page: tab, version, close } = await launchEngine(a.engine);
try {
  await tab.goto(`http://127.0.0.1:${server.address().port}/`);
  console.log(`${version}, one thread, in a Web Worker`);
  if (a.only !== 'ops') console.log(await tab.evaluate(() => window.run('kernels_bench.js', [])));
  if (a.only !== 'kernels') console.log(await tab.evaluate((t) => window.run('ops_bench.js', [t]), a.tokens));
} finally {
  await close();
  server.close();
}
