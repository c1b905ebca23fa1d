// Hostile sizes in the WebAssembly engine: huge passages are tokenized only as
// far as max_length can use, calls carry a bounded amount of text into the
// module, and the reranker gives the same scores afterwards as a fresh one.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Reranker, IndorerankError } from '../../js/src/node.js';
import { TINY, PASSAGES } from './support.mjs';

const QUERY = 'ibu kota';

test('100 calls with a 32 MiB passage: bounded memory, then the scores of a fresh reranker', async () => {
  const fresh = await Reranker.load(TINY);
  const want = await fresh.rerank(QUERY, PASSAGES);
  fresh.dispose();
  const r = await Reranker.load(TINY);
  const word = 'kata'.repeat(8 << 20);  // 32 MiB without a space
  const prose = (PASSAGES.join(' ') + ' ').repeat(Math.ceil((32 << 20) / (PASSAGES.join(' ').length + 1)));
  let afterFirst = 0;
  for (let i = 0; i < 100; ++i) {
    const out = await r.rerank(QUERY, [i % 2 ? word : prose, PASSAGES[0]]);
    assert.equal(out.length, 2);
    assert.equal(out.find((x) => x.index === 0).truncated, true);
    if (i === 1) afterFirst = r.info().wasmMemoryBytes;
  }
  const end = r.info().wasmMemoryBytes;
  assert.ok(end <= afterFirst + (16 << 20), `wasm memory grew from ${afterFirst} to ${end} bytes`);
  assert.ok(end < 256 << 20, `wasm memory is ${end} bytes`);
  assert.deepEqual(await r.rerank(QUERY, PASSAGES), want);
  r.dispose();
});

test('2,100 passages of 1 MiB in one call: answered in bounded groups, same order as small calls', async () => {
  const r = await Reranker.load(TINY);
  const mib = (PASSAGES.join(' ') + ' ').repeat(Math.ceil((1 << 20) / (PASSAGES.join(' ').length + 1))).slice(0, 1 << 20);
  const passages = Array.from({ length: 2100 }, (_, i) => PASSAGES[i % PASSAGES.length] + ' ' + mib);
  const out = await r.rerank(QUERY, passages, { topK: 10 });
  assert.equal(out.length, 10);
  assert.ok(r.info().wasmMemoryBytes < 512 << 20, `wasm memory is ${r.info().wasmMemoryBytes} bytes`);
  // The same ranking, computed passage group by passage group here.
  const some = await r.rerank(QUERY, passages.slice(0, PASSAGES.length));
  const firstGroup = out.filter((x) => x.index < PASSAGES.length).map((x) => x.logit);
  for (const l of firstGroup) assert.ok(some.some((x) => x.logit === l));
  for (let i = 1; i < out.length; ++i) {
    assert.ok(out[i - 1].logit > out[i].logit || (out[i - 1].logit === out[i].logit && out[i - 1].index < out[i].index));
  }
  assert.deepEqual(await r.rerank(QUERY, PASSAGES), await (await Reranker.load(TINY)).rerank(QUERY, PASSAGES));
  r.dispose();
});

test('a passage past 256 MiB is refused with resource_exhausted, and the reranker keeps working', async () => {
  const r = await Reranker.load(TINY);
  const want = await r.rerank(QUERY, PASSAGES);
  const huge = '\u6771'.repeat(100 << 20);  // 300 MiB of UTF-8
  await assert.rejects(r.rerank(QUERY, [huge]), (e) => {
    assert.ok(e instanceof IndorerankError);
    assert.equal(e.code, 'resource_exhausted');
    assert.match(e.message, /passages\[0\] is 300 MiB/);
    return true;
  });
  assert.deepEqual(await r.rerank(QUERY, PASSAGES), want);
  r.dispose();
});

test('running out of WebAssembly memory inside a call is resource_exhausted, and the reranker keeps working', async () => {
  const want = await (await Reranker.load(TINY)).rerank(QUERY, PASSAGES);
  const r = await Reranker.load(TINY);
  // Take nearly all of the module's 2 GiB from outside the engine, so that its
  // own allocations (the working memory of this first call) fail.
  const mod = r._engine.mod;
  const held = [];
  for (let size = 256 << 20; size >= 64 << 10;) {
    const p = mod._malloc(size);
    if (p) held.push(p); else size >>= 1;
  }
  await assert.rejects(r.rerank(QUERY, PASSAGES), (e) => {
    assert.ok(e instanceof IndorerankError, String(e));
    assert.equal(e.code, 'resource_exhausted');
    assert.match(e.message, /out of WebAssembly memory/);
    return true;
  });
  for (const p of held) mod._free(p);
  assert.deepEqual(await r.rerank(QUERY, PASSAGES), want);
  r.dispose();
});

test('200,000 short passages go in groups: bounded memory, every passage ranked', async () => {
  const r = await Reranker.load(TINY);
  const passages = Array.from({ length: 200000 }, (_, i) => PASSAGES[i % PASSAGES.length].slice(0, 20));
  await r.rerank(QUERY, passages.slice(0, 1000));
  const before = r.info().wasmMemoryBytes;
  const out = await r.rerank(QUERY, passages, { topK: 3 });
  assert.equal(out.length, 3);
  const grown = r.info().wasmMemoryBytes - before;
  assert.ok(grown <= 16 << 20, `wasm memory grew by ${grown} bytes`);
  const few = await r.rerank(QUERY, passages.slice(0, PASSAGES.length));
  assert.equal(out[0].logit, Math.max(...few.map((x) => x.logit)));
  r.dispose();
});
