// Models loaded by range (js/src/ranged.js) from a server we can make
// misbehave: the same scores as the whole file, offline use once prefetched,
// and for every fault (no Range support, a corrupted block, a server dying
// mid-response, a file changed under us, a damaged cache) a clear error or
// a whole-file load, never a wrong score.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Reranker } from '../../js/src/node.js';
import { FIXTURES, TINY, PASSAGES } from './support.mjs';

const QUERY = 'apa ibu kota indonesia';
const tiny = readFileSync(TINY);
const fp16 = readFileSync(path.join(FIXTURES, 'tiny_fp16.int8.safetensors'));
// Text with pieces the collection above never uses.
const NEW_TEXT = ['Zebra ungu melompati pagar bambu di Wamena sambil bernyanyi keroncong.',
  'Ketoprak, gado-gado dan pempek Palembang dijual di pasar Kramat Jati tiap Kamis.', 'ÿ ß 東京 🙂 xyzzy 12345'];

/**
 * A server of one file that answers single-range requests, with faults:
 * mode 'ok', 'norange' (always the whole file), 'flip' (a byte changed in
 * every range from `from`), 'cut' (ranges from `from` stop halfway and the
 * connection drops), 'down' (503). `etag` changes with put().
 */
async function fileServer(bytes) {
  const s = { bytes, etag: '"v1"', mode: 'ok', from: 0, log: [], sent: 0 };
  const server = http.createServer((req, res) => {
    const range = req.headers.range;
    s.log.push(range ?? 'whole');
    if (s.mode === 'down') { res.writeHead(503).end(); return; }
    const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
    const stale = req.headers['if-range'] && req.headers['if-range'] !== s.etag;
    if (!m || s.mode === 'norange' || stale) {
      res.writeHead(200, { 'content-length': s.bytes.length, etag: s.etag });
      s.sent += s.bytes.length;
      res.end(s.bytes);
      return;
    }
    const a = Number(m[1]), b = Math.min(Number(m[2]), s.bytes.length - 1);
    let body = s.bytes.subarray(a, b + 1);
    if (s.mode === 'flip' && a >= s.from) { body = Buffer.from(body); body[body.length >> 1] ^= 0x20; }
    res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${s.bytes.length}`, 'content-length': body.length, etag: s.etag });
    if (s.mode === 'cut' && a >= s.from) {
      s.sent += body.length >> 1;
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
      return;
    }
    s.sent += body.length;
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${server.address().port}/model.int8.safetensors`;
  s.put = (b, etag) => { s.bytes = b; s.etag = etag; };
  s.close = () => new Promise((r) => { server.closeAllConnections(); server.close(r); });
  return s;
}

const cacheDir = () => mkdtempSync(path.join(tmpdir(), 'indorerank-ranged-'));
const logits = (results) => results.map((r) => [r.index, r.logit]);

async function wholeScores(bytes, query, passages) {
  const r = await Reranker.load(bytes);
  try { return logits(await r.rerank(query, passages)); } finally { r.dispose(); }
}

const headBytes = (await (async () => {
  const r = await Reranker.load(tiny);
  try { return r.info().layout.headBytes; } finally { r.dispose(); }
})());

test('a model loads by range: the head, then the blocks a call needs, with the scores of the whole file', async (t) => {
  const s = await fileServer(tiny);
  t.after(() => s.close());
  const progress = [];
  const r = await Reranker.load(s.url, { cacheDir: cacheDir(), prefetch: false, onProgress: (a, b) => progress.push([a, b]) });
  t.after(() => r.dispose());
  assert.deepEqual(progress.at(-1), [headBytes, headBytes]);
  const loaded = s.sent;
  assert.ok(loaded < tiny.length * 0.8, `the head alone: ${loaded} of ${tiny.length} bytes`);
  assert.equal(r.info().residentBlocks, 0);
  assert.deepEqual(logits(await r.rerank(QUERY, PASSAGES)), await wholeScores(tiny, QUERY, PASSAGES));
  const info = r.info();
  assert.ok(info.residentBlocks > 0 && info.residentBlocks < info.layout.blocks, `${info.residentBlocks} blocks`);
  assert.equal(info.ranged.fetchedBytes, s.sent);
  assert.ok(s.log.every((l) => l.startsWith('bytes=')), 'only range requests');
  // scoreIds brings its blocks too.
  const ids = (await r.tokenize(QUERY, NEW_TEXT[0])).inputIds;
  const whole = await Reranker.load(tiny);
  t.after(() => whole.dispose());
  assert.deepEqual(await r.scoreIds([ids]), await whole.scoreIds([ids]));
  assert.equal(info.ranged.cached, false);
});

test('once prefetched, the model loads and scores new text with the server gone', async (t) => {
  const s = await fileServer(tiny);
  const dir = cacheDir();
  const r = await Reranker.load(s.url, { cacheDir: dir, prefetch: false });
  await r.rerank(QUERY, PASSAGES);
  assert.equal(await r.prefetch(), true);
  assert.equal(r.info().ranged.cached, true);
  r.dispose();
  await s.close();

  const off = await Reranker.load(s.url, { cacheDir: dir });
  t.after(() => off.dispose());
  assert.equal(off.info().ranged.cached, true);
  assert.deepEqual(logits(await off.rerank(QUERY, NEW_TEXT)), await wholeScores(tiny, QUERY, NEW_TEXT));
  assert.deepEqual(logits(await off.rerank(QUERY, PASSAGES)), await wholeScores(tiny, QUERY, PASSAGES));
});

test('prefetch starts by itself after the first results', async (t) => {
  const s = await fileServer(tiny);
  t.after(() => s.close());
  const r = await Reranker.load(s.url, { cacheDir: cacheDir() });
  t.after(() => r.dispose());
  await r.rerank(QUERY, PASSAGES);
  assert.equal(await r.prefetch(), true); // joins the fill already running
  assert.ok(s.sent >= tiny.length);
});

test('offline without the blocks a call needs: a clear error, and cached ones still score', async (t) => {
  const s = await fileServer(tiny);
  const dir = cacheDir();
  const r = await Reranker.load(s.url, { cacheDir: dir, prefetch: false });
  const expected = logits(await r.rerank(QUERY, PASSAGES));
  r.dispose();
  s.mode = 'down';
  const off = await Reranker.load(s.url, { cacheDir: dir, prefetch: false });
  t.after(() => off.dispose());
  assert.deepEqual(logits(await off.rerank(QUERY, PASSAGES)), expected);
  await assert.rejects(off.rerank(QUERY, NEW_TEXT), (e) => e.code === 'fetch_failed' && /not cached|HTTP 503/.test(e.message));
  s.mode = 'ok';
  await s.close();
});

test('a server that ignores Range: the whole file, in one request', async (t) => {
  const s = await fileServer(tiny);
  t.after(() => s.close());
  s.mode = 'norange';
  const r = await Reranker.load(s.url, { cacheDir: cacheDir() });
  t.after(() => r.dispose());
  assert.equal(r.info().ranged, undefined);
  assert.equal(r.info().residentBlocks, r.info().layout.blocks);
  assert.deepEqual(s.log, ['bytes=0-65535']);
  assert.deepEqual(logits(await r.rerank(QUERY, PASSAGES)), await wholeScores(tiny, QUERY, PASSAGES));
});

test('a corrupted block is refused and never scored; the reranker recovers', async (t) => {
  const s = await fileServer(tiny);
  t.after(() => s.close());
  const r = await Reranker.load(s.url, { cacheDir: cacheDir(), prefetch: false });
  t.after(() => r.dispose());
  s.mode = 'flip';
  s.from = headBytes;
  await assert.rejects(r.rerank(QUERY, PASSAGES), (e) => e.code === 'data_loss' && /checksum/.test(e.message));
  s.mode = 'ok';
  assert.deepEqual(logits(await r.rerank(QUERY, PASSAGES)), await wholeScores(tiny, QUERY, PASSAGES));
});

test('a corrupted head is refused', async (t) => {
  const s = await fileServer(tiny);
  t.after(() => s.close());
  s.mode = 'flip';
  s.from = 65536;
  await assert.rejects(Reranker.load(s.url, { cacheDir: cacheDir() }), (e) => e.code === 'data_loss' && /checksum/.test(e.message));
});

test('a server dying mid-response: a clear error, and the next try works', async (t) => {
  const s = await fileServer(tiny);
  t.after(() => s.close());
  const dir = cacheDir();
  s.mode = 'cut';
  s.from = 65536; // the head
  await assert.rejects(Reranker.load(s.url, { cacheDir: dir }), (e) => e.code === 'fetch_failed' && /broke off|ended after/.test(e.message));
  s.mode = 'ok';
  const r = await Reranker.load(s.url, { cacheDir: dir, prefetch: false });
  t.after(() => r.dispose());
  s.mode = 'cut';
  s.from = headBytes; // the blocks
  await assert.rejects(r.rerank(QUERY, PASSAGES), (e) => e.code === 'fetch_failed');
  s.mode = 'ok';
  assert.deepEqual(logits(await r.rerank(QUERY, PASSAGES)), await wholeScores(tiny, QUERY, PASSAGES));
});

test('a file that changes on the server: refused mid-session, the new file on the next load', async (t) => {
  const s = await fileServer(tiny);
  t.after(() => s.close());
  const dir = cacheDir();
  const r = await Reranker.load(s.url, { cacheDir: dir, prefetch: false });
  t.after(() => r.dispose());
  await r.rerank(QUERY, PASSAGES.slice(0, 1));
  s.put(fp16, '"v2"');
  await assert.rejects(r.rerank(QUERY, NEW_TEXT), (e) => e.code === 'data_loss' && /changed/.test(e.message));
  const next = await Reranker.load(s.url, { cacheDir: dir, prefetch: false });
  t.after(() => next.dispose());
  assert.deepEqual(logits(await next.rerank(QUERY, PASSAGES)), await wholeScores(fp16, QUERY, PASSAGES));
});

test('a damaged cache part is dropped and fetched again', async (t) => {
  const s = await fileServer(tiny);
  t.after(() => s.close());
  const dir = cacheDir();
  const r = await Reranker.load(s.url, { cacheDir: dir, prefetch: false });
  await r.prefetch();
  r.dispose();
  let damaged = 0;
  for (const f of readdirSync(dir).filter((n) => !n.endsWith('.json'))) { // the head and the parts of blocks
    const p = path.join(dir, f);
    const b = readFileSync(p);
    if (b.length > 4096) {
      for (let i = 500; i < b.length; i += 1000) b[i] ^= 1; // every block
      writeFileSync(p, b);
      ++damaged;
    }
  }
  assert.ok(damaged >= 2);
  const again = await Reranker.load(s.url, { cacheDir: dir, prefetch: false });
  t.after(() => again.dispose());
  const before = s.sent;
  assert.deepEqual(logits(await again.rerank(QUERY, [...PASSAGES, ...NEW_TEXT])),
    await wholeScores(tiny, QUERY, [...PASSAGES, ...NEW_TEXT]));
  assert.ok(s.sent > before, 'the damaged part came from the server again');
});

test('lazy: false loads the whole file', async (t) => {
  const s = await fileServer(tiny);
  t.after(() => s.close());
  const r = await Reranker.load(s.url, { cacheDir: cacheDir(), lazy: false });
  t.after(() => r.dispose());
  assert.equal(r.info().ranged, undefined);
  assert.deepEqual(s.log, ['whole']);
});
