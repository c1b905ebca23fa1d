// `make demo`'s model and server step (tools/demo.mjs): the real model when
// the hub answers (here a hub on 127.0.0.1 serving the tiny fixture in the
// hub's URL layout), the synthetic fixture with the banner flag when it does
// not, the served headers, a busy port, and a clean stop.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer } from '../../tools/serve.mjs';
import { CLI, FIXTURES, FULL, ROOT } from './support.mjs';

const DEMO = path.join(ROOT, 'tools', 'demo.mjs');

/** Starts tools/demo.mjs; resolves with its URL (or its exit when it fails first). */
function startDemo(env) {
  const work = mkdtempSync(path.join(tmpdir(), 'indorerank-demo-'));
  const child = spawn(process.execPath, [DEMO, '--cli', CLI, '--work', work],
    { env: { ...process.env, DEMO_FETCH_TIMEOUT: '20', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  const ready = new Promise((resolve) => {
    child.stdout.on('data', () => {
      const m = out.match(/^(http:\/\/127\.0\.0\.1:\d+\/)$/m);
      if (m) resolve(m[1]);
    });
    exited.then((code) => resolve({ code }));
  });
  return { child, ready, exited, output: () => out, cleanup: () => rmSync(work, { recursive: true, force: true }) };
}

async function freePort() {
  const s = createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function checkServed(url, expectSynthetic) {
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy'), /connect-src 'self'/);
  assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
  const meta = await (await fetch(new URL('model/model.json', url))).json();
  assert.equal(meta.synthetic, expectSynthetic);
  const model = await fetch(new URL(`model/${meta.file}`, url));
  assert.equal(model.status, 200);
  assert.equal(Number(model.headers.get('content-length')), meta.bytes);
  assert.equal((await fetch(new URL('pkg/dist/indorerank-web.wasm', url))).status, 200);
  return { meta, bytes: Buffer.from(await model.arrayBuffer()) };
}

test('the real model when the hub answers: fetched, converted, served, not flagged synthetic', async (t) => {
  const hub = await startServer({
    mounts: { '/madebyaris/rerank-indonesia/resolve/main/': path.join(FIXTURES, 'tiny') }, isolated: false,
  });
  t.after(() => hub.close());
  const demo = startDemo({ INDORERANK_HUB_URL: hub.url.replace(/\/$/, ''), PORT: String(await freePort()) });
  t.after(demo.cleanup);
  const url = await demo.ready;
  assert.equal(typeof url, 'string', demo.output());
  const { meta, bytes } = await checkServed(url, false);
  assert.match(meta.source, /fetched/);
  // The converted download is the same file the CLI's convert writes for that folder.
  assert.ok(bytes.equals(readFileSync(path.join(FIXTURES, 'tiny.int8.safetensors'))), 'fetched model differs from convert');
  demo.child.kill('SIGTERM');
  assert.equal(await demo.exited, 0);
  assert.match(demo.output(), /demo: stopped/);
});

test('the synthetic fixture, flagged for the banner, when the hub cannot be reached; a busy port is a clear error', async (t) => {
  const port = await freePort();
  const demo = startDemo({ INDORERANK_HUB_URL: `http://127.0.0.1:${await freePort()}`, PORT: String(port) });
  t.after(demo.cleanup);
  const url = await demo.ready;
  assert.equal(typeof url, 'string', demo.output());
  assert.match(demo.output(), /fetch failed/);
  const { meta, bytes } = await checkServed(url, true);
  assert.match(meta.source, /random weights/);
  assert.ok(bytes.equals(readFileSync(FULL)), 'the served model is the full-shape fixture');

  const second = startDemo({ INDORERANK_HUB_URL: 'http://127.0.0.1:9', PORT: String(port) });
  t.after(second.cleanup);
  const failed = await second.ready;
  assert.equal(failed.code, 1, second.output());
  assert.match(second.output(), new RegExp(`port ${port} on 127.0.0.1 is in use`));

  demo.child.kill('SIGINT');
  assert.equal(await demo.exited, 0);
});
