// The npm package in Node: sources, results, options, threads and lifetime.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { Reranker } from '../../js/src/node.js';
import { FIXTURES, TINY, PASSAGES, serveDir, snapshot, expectedKernel } from './support.mjs';

const QUERY = 'apa ibu kota indonesia';

async function ranked(source, options) {
  const r = await Reranker.load(source, options);
  try {
    return await r.rerank(QUERY, PASSAGES);
  } finally {
    r.dispose();
  }
}

test('every kind of source loads the same model', async (t) => {
  const expected = await ranked(TINY);
  const bytes = readFileSync(TINY);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const server = await serveDir(FIXTURES);
  t.after(() => server.close());
  const sources = {
    'file: URL': pathToFileURL(TINY),
    'file: URL string': pathToFileURL(TINY).href,
    ArrayBuffer: ab,
    Uint8Array: new Uint8Array(ab),
    'Uint8Array view at an offset': new Uint8Array(Buffer.concat([Buffer.alloc(7), bytes])).subarray(7),
    Blob: new Blob([bytes]),
    Response: new Response(bytes),
    'http URL': `${server.url}/tiny.int8.safetensors`,
    'http URL object': new URL(`${server.url}/tiny.int8.safetensors`),
    'http URL without Content-Length': `${server.url}/tiny.int8.safetensors?chunked`,
  };
  for (const [name, source] of Object.entries(sources)) {
    assert.deepEqual(await ranked(source), expected, name);
  }
});

test('onProgress reports bytes up to the total', async () => {
  const calls = [];
  const r = await Reranker.load(TINY, { onProgress: (loaded, total) => calls.push([loaded, total]) });
  r.dispose();
  const size = readFileSync(TINY).byteLength;
  assert.ok(calls.length >= 1);
  assert.deepEqual(calls.at(-1), [size, size]);
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] > calls[i - 1][0]);
});

test('results: sorted, ids and meta from the input, plain numbers, inputs untouched', async () => {
  const r = await Reranker.load(TINY);
  const passages = [
    PASSAGES[0],
    { id: 'rendang', text: PASSAGES[1], meta: { source: 'wiki' } },
    { text: PASSAGES[2] },
    Object.freeze({ id: 42, text: PASSAGES[3] }),
  ];
  const before = snapshot(passages);
  const res = await r.rerank(QUERY, passages, { returnDocuments: true });
  assert.equal(snapshot(passages), before);
  assert.equal(res.length, 4);
  assert.deepEqual(res.map((x) => x.index).sort(), [0, 1, 2, 3]);
  for (let i = 1; i < res.length; i++) assert.ok(res[i - 1].score >= res[i].score);
  for (const x of res) {
    assert.equal(typeof x.score, 'number');
    assert.equal(typeof x.logit, 'number');
    assert.ok(x.score > 0 && x.score < 1);
    assert.ok(Math.abs(x.score - 1 / (1 + Math.exp(-x.logit))) < 1e-6);
    assert.equal(x.truncated, false);
    const p = passages[x.index];
    assert.equal(x.document, typeof p === 'string' ? p : p.text);
    assert.equal(x.id, typeof p === 'object' && p.id !== undefined ? p.id : x.index);
  }
  assert.equal(res.find((x) => x.index === 1).meta, passages[1].meta); // the caller's own object
  assert.ok(!('meta' in res.find((x) => x.index === 0)));
  assert.ok(!('document' in (await r.rerank(QUERY, PASSAGES))[0]));
  // JSON round trip is lossless: nothing but plain values.
  assert.deepEqual(JSON.parse(JSON.stringify(res)), structuredClone(res));
  r.dispose();
});

test('topK, empty input, truncation and chunking', async () => {
  const r = await Reranker.load(TINY, { maxLength: 32 });
  const all = await r.rerank(QUERY, PASSAGES);
  assert.deepEqual(await r.rerank(QUERY, PASSAGES, { topK: 2 }), all.slice(0, 2));
  assert.deepEqual(await r.rerank(QUERY, PASSAGES, { topK: 0 }), all);
  assert.deepEqual(await r.rerank(QUERY, []), []);
  const long = PASSAGES.join(' ').repeat(3);
  const [cut] = await r.rerank(QUERY, [long]);
  assert.equal(cut.truncated, true);
  const [chunked] = await r.rerank(QUERY, [long], { chunkLongPassages: true, chunkOverlap: 4 });
  assert.ok(chunked.chunks > 1);
  assert.ok(chunked.score >= cut.score);
  r.dispose();
});

test('tokenize gives the XLM-R pair layout', async () => {
  const r = await Reranker.load(TINY, { maxLength: 16 });
  const e = await r.tokenize('ibu kota', 'Jakarta');
  assert.equal(e.inputIds[0], 0);
  assert.equal(e.inputIds.at(-1), 2);
  assert.equal(e.inputIds.filter((x) => x === 2).length, 3);
  assert.equal(e.truncated, false);
  const long = await r.tokenize('ibu kota', PASSAGES.join(' '));
  assert.equal(long.inputIds.length, 16);
  assert.equal(long.passageTruncated, true);
  r.dispose();
});

test('threads: pthreads in Node give scores identical to one thread', async () => {
  const r1 = await Reranker.load(TINY);
  const r3 = await Reranker.load(TINY, { threads: 3 });
  assert.equal(r1.info().threadMode, 'single');
  assert.equal(r3.info().threadMode, 'pthreads');
  assert.equal(r3.info().threads, 3);
  const many = Array.from({ length: 30 }, (_, i) => PASSAGES[i % 4] + ' ' + i);
  assert.deepEqual(await r3.rerank(QUERY, many), await r1.rerank(QUERY, many));
  r1.dispose();
  r3.dispose();
});

test('info says what runs', async () => {
  const r = await Reranker.load(TINY);
  await r.rerank(QUERY, PASSAGES);
  const i = r.info();
  assert.equal(i.backend, 'wasm');
  assert.equal(i.kernel, expectedKernel().kernel);
  assert.equal(i.maxLength, 256);
  assert.equal(i.fileBytes, readFileSync(TINY).byteLength);
  assert.ok(i.peakBytes > 0 && i.peakBytes <= i.memoryLimit);
  assert.ok(i.wasmMemoryBytes > i.fileBytes);
  assert.equal(i.config.numLayers, JSON.parse(readFileSync(path.join(FIXTURES, 'tiny', 'config.json'))).num_hidden_layers);
  r.dispose();
  const ref = await Reranker.load(TINY, { kernel: 'ref' });
  assert.equal(ref.info().kernel, 'ref');
  ref.dispose();
});

test('dispose, Symbol.dispose and double dispose', async () => {
  const r = await Reranker.load(TINY);
  assert.equal(r.disposed, false);
  r[Symbol.dispose]();
  assert.equal(r.disposed, true);
  r.dispose();
  await assert.rejects(r.rerank(QUERY, PASSAGES), { name: 'IndorerankError', code: 'disposed', message: /disposed/ });
  assert.throws(() => r.info(), { code: 'disposed' });
});

test('a reranker nobody disposed is freed by the garbage collector (its threads stop, Node can exit)', () => {
  const script = `
    import { Reranker } from ${JSON.stringify(new URL('../../js/src/node.js', import.meta.url).href)};
    let r = await Reranker.load(${JSON.stringify(TINY)}, { threads: 3 });
    await r.rerank('a', ['b']);
    r = null;
    for (let i = 0; i < 20 && !globalThis.done; i++) { globalThis.gc(); await new Promise((s) => setTimeout(s, 50)); }
  `;
  const res = spawnSync('node', ['--expose-gc', '--input-type=module', '-e', script], { timeout: 20000, encoding: 'utf8' });
  assert.equal(res.error, undefined, 'the process did not exit: pthread workers kept it alive');
  assert.equal(res.status, 0, res.stderr);
});
