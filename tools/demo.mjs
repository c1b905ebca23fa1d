// `make demo`: obtains a model and serves the demo page on 127.0.0.1.
//
//   node tools/demo.mjs --cli build/native/bin/indorerank [--work build/demo]
//
// The model, in this order: MODEL_DIR (a Hugging Face folder of the real
// model, converted once); a model an earlier run fetched; `indorerank fetch`
// of the real model from the hub (INDORERANK_HUB_URL or the CLI's default),
// given up after DEMO_FETCH_TIMEOUT seconds without progress (default 30);
// else the project's generated full-shape fixture, whose random weights the
// page announces with a banner. PORT (default 8080) picks the port.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishModel, startDemoServer } from './demo_server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const cli = path.resolve(arg('cli', path.join(root, 'build/native/bin/indorerank')));
const work = path.resolve(arg('work', path.join(root, 'build/demo')));
const modelDir = path.join(work, 'model');
const say = (s) => console.log(`demo: ${s}`);

function run(cmd, argv, { idleSeconds = 0, quiet = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'pipe'] });
    let timer = null;
    let timedOut = false;
    const arm = () => {
      if (!idleSeconds) return;
      clearTimeout(timer);
      timer = setTimeout(() => { timedOut = true; child.kill('SIGTERM'); }, idleSeconds * 1000);
    };
    arm();
    child.stderr.on('data', (d) => { arm(); if (!quiet) process.stderr.write(d); });
    child.on('error', (e) => { clearTimeout(timer); resolve({ ok: false, why: e.message }); });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, why: timedOut ? `no progress for ${idleSeconds} s` : `exit code ${code}` });
    });
  });
}

async function sha256(file) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk);
  return h.digest('hex');
}

// Converts once, and again when the folder's weights are newer than the output.
async function convert(hfDir, out) {
  const weights = path.join(hfDir, 'model.safetensors');
  if (existsSync(out) && (!existsSync(weights) || statSync(weights).mtimeMs <= statSync(out).mtimeMs)) return;
  say(`converting ${hfDir}`);
  const r = await run(cli, ['convert', hfDir, out], { quiet: true });
  if (!r.ok) throw new Error(`indorerank convert ${hfDir} failed (${r.why})`);
}

/** @returns {Promise<{ file: string, synthetic: boolean, source: string }>} */
async function obtainModel() {
  if (process.env.MODEL_DIR) {
    const dir = path.resolve(process.env.MODEL_DIR);
    const out = path.join(work, `${path.basename(dir)}.int8.safetensors`);
    await convert(dir, out);
    return { file: out, synthetic: false, source: `${process.env.MODEL_DIR} (MODEL_DIR)` };
  }
  const download = path.join(work, 'download');
  const fetched = path.join(download, 'model.int8.safetensors');
  if (!existsSync(fetched)) {
    const idle = Number(process.env.DEMO_FETCH_TIMEOUT ?? 30);
    say('fetching the real model (madebyaris/rerank-indonesia)…');
    const r = await run(cli, ['fetch', '--dir', download], { idleSeconds: idle });
    if (!r.ok) say(`fetch failed (${r.why}); using the generated fixture instead`);
  }
  if (existsSync(fetched)) return { file: fetched, synthetic: false, source: 'madebyaris/rerank-indonesia (fetched)' };

  const fixture = path.join(root, 'build/native/fixtures/full.int8.safetensors');
  if (existsSync(fixture)) {
    return { file: fixture, synthetic: true, source: 'generated full-shape fixture (random weights)' };
  }
  const hf = path.join(work, 'fixture-hf');
  if (!existsSync(path.join(hf, 'model.safetensors'))) {
    say('generating the full-shape fixture model (random weights)…');
    const r = await run('/usr/bin/python3', [path.join(root, 'tools/fixtures/gen_fixture.py'), '--shape', 'full', '--seed', '2',
      '--no-onnx', '--out', hf], { quiet: true });
    if (!r.ok) throw new Error(`generating the fixture failed (${r.why})`);
  }
  const out = path.join(work, 'full.int8.safetensors');
  await convert(hf, out);
  return { file: out, synthetic: true, source: 'generated full-shape fixture (random weights)' };
}

async function main() {
  for (const f of ['indorerank-web.wasm', 'indorerank-web-mt.wasm']) {
    if (!existsSync(path.join(root, 'js/dist', f))) throw new Error(`js/dist/${f} is missing: run \`make wasm\` (or \`make demo\`)`);
  }
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`make native\``);
  if (!existsSync(path.join(root, 'demo/data/passages.jsonl'))) throw new Error('demo/data/passages.jsonl is missing');
  mkdirSync(work, { recursive: true });

  // The port first, so a busy one is reported before any work.
  const port = Number(process.env.PORT ?? 8080);
  let server;
  try {
    server = await startDemoServer({ modelDir, port });
  } catch (e) {
    if (e.code === 'EADDRINUSE') throw new Error(`port ${port} on 127.0.0.1 is in use; pick another: make demo PORT=${port + 1}`);
    throw e;
  }
  const stop = async () => {
    await server.close();
    say('stopped');
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const model = await obtainModel();
  const meta = publishModel(modelDir, model.file,
    { synthetic: model.synthetic, source: model.source, version: (await sha256(model.file)).slice(0, 16) });
  say(`model: ${meta.source}, ${(meta.bytes / 2 ** 20).toFixed(1)} MiB${meta.synthetic ? ' (SYNTHETIC: rankings are not meaningful)' : ''}`);
  say('serving demo/ with COOP/COEP and CSP; open the page in a browser (Ctrl-C stops)');
  console.log(server.url);
}

main().catch((e) => {
  console.error(`demo: ${e.message}`);
  process.exit(1);
});
