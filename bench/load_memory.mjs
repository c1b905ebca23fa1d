// Memory after loading a model and reranking 20 passages, by route: the
// native CLI from disk (the file memory-mapped), and the npm package in Node
// (WebAssembly) loading the whole file from disk and loading by range from a
// local server (the head, then the blocks the pairs need). Prints peak RSS
// (native: the whole run) or RSS after each step (Node), WebAssembly memory,
// and the model bytes each route read.
//
//   node bench/load_memory.mjs [--model build/native/fixtures/spread.int8.safetensors] [--cli build/native/bin/indorerank]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
const model = path.resolve(arg('model', path.join(root, 'build/native/fixtures/spread.int8.safetensors')));
const cli = path.resolve(arg('cli', path.join(root, 'build/native/bin/indorerank')));
const QUERY = 'harga beras di pasar tradisional';
const MB = (n) => (n / 1e6).toFixed(1);

const passages = readFileSync(path.join(root, 'demo/data/passages.jsonl'), 'utf8').split('\n').filter(Boolean)
  .slice(0, 20).map((l) => { const p = JSON.parse(l); return `${p.title}. ${p.text}`; });

// One route in a fresh Node process: RSS after load and after the rerank.
async function child(route) {
  const { Reranker } = await import('../js/src/node.js');
  const { startServer } = await import('../tools/serve.mjs');
  let server = null, source = model;
  if (route === 'range') {
    server = await startServer({ mounts: { '/': path.dirname(model) }, isolated: false });
    source = server.url + path.basename(model);
  }
  const r = await Reranker.load(source, { cacheDir: mkdtempSync(path.join(os.tmpdir(), 'indorerank-mem-')), prefetch: false });
  const afterLoad = process.memoryUsage().rss;
  await r.rerank(QUERY, passages);
  const info = r.info();
  console.log(JSON.stringify({ afterLoad, afterRerank: process.memoryUsage().rss, wasm: info.wasmMemoryBytes,
    read: info.ranged ? info.ranged.fetchedBytes : statSync(model).size }));
  r.dispose();
  await server?.close();
}

if (args[0] === '--child') {
  await child(args[1]);
} else {
  console.log(`model: ${path.basename(model)}, ${MB(statSync(model).size)} MB; 20 passages of the demo collection\n`);
  console.log('| route | RSS after load | RSS after 20 pairs | WebAssembly memory | model bytes read |\n|---|---|---|---|---|');
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'indorerank-mem-')), 'passages.txt');
  writeFileSync(file, passages.join('\n') + '\n');
  const info = execFileSync(cli, ['info', '--threads', '1', model], { encoding: 'utf8' });
  const afterLoad = Number(/rss_after_load: (\d+)/.exec(info)[1]);
  const run = spawnSync('/usr/bin/time', ['-f', '%M', cli, 'rank', '-m', model, '-q', QUERY, '--passages', file, '--threads', '1'],
    { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  const peakKiB = Number(run.stderr.trim().split('\n').pop());
  console.log(`| native CLI, from disk (mapped) | ${MB(afterLoad)} MB | ${MB(peakKiB * 1024)} MB (peak of the run) | - | the pages it touches |`);
  for (const [route, label] of [['disk', 'Node (wasm), whole file from disk'], ['range', 'Node (wasm), by range from a local server']]) {
    const out = JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', route, '--model', model],
      { encoding: 'utf8' }).trim().split('\n').pop());
    console.log(`| ${label} | ${MB(out.afterLoad)} MB | ${MB(out.afterRerank)} MB | ${MB(out.wasm)} MB | ${MB(out.read)} MB |`);
  }
  console.log(`\nmachine: ${os.cpus()[0].model}, ${os.cpus().length} cores; Node ${process.version}`);
}
