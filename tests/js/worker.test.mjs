// RerankerWorker: the same results as Reranker, computed in a worker thread
// while the calling thread stays free.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Reranker, RerankerWorker } from '../../js/src/node.js';
import { TINY, PASSAGES, snapshot } from './support.mjs';

const QUERY = 'syarat membuat paspor';

test('worker results equal in-thread results, with the caller\'s ids and meta', async () => {
  const progress = [];
  const w = await RerankerWorker.load(TINY, { threads: 2, onProgress: (l, t) => progress.push([l, t]) });
  const r = await Reranker.load(TINY);
  const meta = { tag: 'x' };
  const passages = [...PASSAGES, { id: 'obj', text: 'Paspor dibuat di kantor imigrasi.', meta }];
  const before = snapshot(passages);
  const fromWorker = await w.rerank(QUERY, passages, { returnDocuments: true });
  assert.deepEqual(fromWorker, await r.rerank(QUERY, passages, { returnDocuments: true }));
  assert.equal(fromWorker.find((x) => x.id === 'obj').meta, meta);
  assert.equal(snapshot(passages), before);
  assert.deepEqual(await w.tokenize(QUERY, PASSAGES[3]), await r.tokenize(QUERY, PASSAGES[3]));
  const size = readFileSync(TINY).byteLength;
  assert.deepEqual(progress.at(-1), [size, size]);
  const info = w.info();
  assert.equal(info.worker, true);
  assert.equal(info.threads, 2);
  assert.equal(info.threadMode, 'pthreads');
  assert.ok(info.peakBytes > 0);
  w.dispose();
  r.dispose();
});

test('the calling thread keeps running while the worker ranks', async () => {
  const w = await RerankerWorker.load(TINY);
  const many = Array.from({ length: 2000 }, (_, i) => `${PASSAGES[i % 4]} nomor ${i}`);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const t0 = performance.now();
  const res = await w.rerank(QUERY, many);
  const ms = performance.now() - t0;
  clearInterval(timer);
  assert.equal(res.length, many.length);
  // A blocked thread would tick at most once; a free one ticks about every 5 ms.
  assert.ok(ticks >= Math.min(10, ms / 20), `${ticks} timer ticks in ${ms.toFixed(0)} ms`);
  w.dispose();
});

test('bytes sent to a worker are copied: the caller\'s buffer stays intact', async () => {
  const bytes = new Uint8Array(readFileSync(TINY));
  const w = await RerankerWorker.load(bytes.buffer);
  assert.equal(bytes.buffer.byteLength, bytes.byteLength);
  assert.equal((await w.rerank(QUERY, PASSAGES)).length, 4);
  w.dispose();
});

test('dispose rejects pending calls and later ones', async () => {
  const w = await RerankerWorker.load(TINY);
  const many = Array.from({ length: 3000 }, (_, i) => `${PASSAGES[i % 4]} ${i}`);
  const pending = w.rerank(QUERY, many);
  w[Symbol.dispose]();
  await assert.rejects(pending, { code: 'disposed' });
  await assert.rejects(w.rerank(QUERY, PASSAGES), { code: 'disposed' });
  assert.equal(w.disposed, true);
});
