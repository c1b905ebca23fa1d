// Errors are part of the API: each rejects with a message saying what is
// wrong, and the reranker stays usable afterwards.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Reranker, RerankerWorker, IndorerankError } from '../../js/src/node.js';
import { TINY, PASSAGES, FIXTURES, serveDir, expectedKernel } from './support.mjs';

const QUERY = 'ibu kota';

test('bad model bytes reject with data_loss and a reason', async () => {
  const good = readFileSync(TINY);
  const cases = {
    'three bytes': new Uint8Array([1, 2, 3]),
    'empty': new Uint8Array(0),
    'truncated file': good.subarray(0, good.byteLength - 1000),
    'header garbage': Buffer.concat([Buffer.from([16, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":[1,2')]),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    await assert.rejects(Reranker.load(bytes), (e) => {
      assert.ok(e instanceof IndorerankError, name);
      assert.equal(e.code, 'data_loss', `${name}: ${e.message}`);
      assert.ok(e.message.length > 10, name);
      return true;
    });
  }
});

test('missing files and failed downloads say which', async (t) => {
  await assert.rejects(Reranker.load('/no/such/model.int8.safetensors'), { code: 'not_found', message: /\/no\/such\/model/ });
  const server = await serveDir(FIXTURES);
  t.after(() => server.close());
  await assert.rejects(Reranker.load(`${server.url}/missing.safetensors`), { code: 'not_found', message: /HTTP 404/ });
  await assert.rejects(Reranker.load('http://127.0.0.1:1/x'), { code: 'fetch_failed', message: /127\.0\.0\.1:1/ });
});

test('a model stream that fails midway rejects with fetch_failed, not the raw error', async () => {
  const bytes = readFileSync(TINY);
  const failing = () => new ReadableStream({
    start(c) { c.enqueue(new Uint8Array(bytes.subarray(0, 4096))); },
    pull(c) { c.error(new Error('socket hang up')); },
  });
  for (const source of [new Response(failing()), new Response(failing(), { headers: { 'Content-Length': String(bytes.byteLength) } })]) {
    await assert.rejects(Reranker.load(source), (e) => {
      assert.ok(e instanceof IndorerankError, String(e));
      assert.equal(e.code, 'fetch_failed');
      assert.match(e.message, /socket hang up/);
      return true;
    });
  }
});

test('a memory limit too small for one pair names the minimum', async () => {
  await assert.rejects(Reranker.load(TINY, { memoryLimit: 1000 }), (e) => {
    assert.equal(e.code, 'resource_exhausted');
    assert.match(e.message, /memory_limit 1000 bytes is too small: .* needs \d+ bytes/);
    return true;
  });
});

test('wrong argument types reject with TypeError, and the reranker keeps working', async () => {
  await assert.rejects(Reranker.load(42), { name: 'TypeError', message: /source must be/ });
  await assert.rejects(Reranker.load(TINY, { maxLength: 4 }), { name: 'TypeError', message: /maxLength must be an integer from 8 to 512 \(got 4\)/ });
  await assert.rejects(Reranker.load(TINY, { threads: 1.5 }), { name: 'TypeError', message: /threads/ });
  await assert.rejects(Reranker.load(TINY, { backend: 'gpu' }), { name: 'TypeError', message: /backend/ });
  await assert.rejects(Reranker.load(TINY, { backend: 'onnxruntime-web' }), { name: 'TypeError', message: /tokenizer/ });
  const relaxed = expectedKernel().kernel === 'wasm_relaxed' ? 'wasm_relaxed, ' : '';
  await assert.rejects(Reranker.load(TINY, { kernel: 'avx9' }),
    { code: 'unimplemented', message: new RegExp(`avx9.*available: ${relaxed}wasm_simd128, ref`) });

  const r = await Reranker.load(TINY);
  const good = await r.rerank(QUERY, PASSAGES);
  const bad = [
    [undefined, PASSAGES, {}, /query must be a string \(got undefined\)/],
    [QUERY, 'one passage', {}, /passages must be an array \(got string\)/],
    [QUERY, [PASSAGES[0], 7], {}, /passages\[1\] must be a string or an object with a string 'text' \(got number\)/],
    [QUERY, [{ id: 1 }], {}, /passages\[0\]/],
    // eslint-disable-next-line no-sparse-arrays
    [QUERY, [PASSAGES[0], , PASSAGES[1]], {}, /passages\[1\] must be a string .* \(got undefined\)/],
    [QUERY, PASSAGES, { topK: -1 }, /topK/],
    [QUERY, PASSAGES, { returnDocuments: 'yes' }, /returnDocuments must be a boolean/],
    [QUERY, PASSAGES, 'fast', /options must be an object/],
  ];
  for (const [q, p, o, message] of bad) {
    await assert.rejects(r.rerank(q, p, o), { name: 'TypeError', message });
    assert.deepEqual(await r.rerank(QUERY, PASSAGES), good);
  }
  await assert.rejects(r.tokenize(QUERY, null), { name: 'TypeError', message: /passage must be a string/ });
  const long = [PASSAGES.join(' ').repeat(20)];
  await assert.rejects(r.rerank(QUERY, long, { chunkLongPassages: true, chunkOverlap: 250 }), { code: 'invalid_argument', message: /chunk_overlap/ });
  assert.deepEqual(await r.rerank(QUERY, PASSAGES), good);
  r.dispose();
});

test('invalid text is read as U+FFFD, never an error', async () => {
  const r = await Reranker.load(TINY);
  const res = await r.rerank('\uD800 kota', ['\uDFFF', '', 'a\u0000b']);
  assert.equal(res.length, 3);
  r.dispose();
});

test('the worker reports the same errors and stays usable', async () => {
  await assert.rejects(RerankerWorker.load(new Uint8Array([1, 2, 3])), { name: 'IndorerankError', code: 'data_loss' });
  await assert.rejects(RerankerWorker.load(TINY, { memoryLimit: 1000 }), { code: 'resource_exhausted' });
  const w = await RerankerWorker.load(TINY);
  const good = await w.rerank(QUERY, PASSAGES);
  await assert.rejects(w.rerank(QUERY, [1]), { name: 'TypeError' });
  const long = [PASSAGES.join(' ').repeat(20)];
  await assert.rejects(w.rerank(QUERY, long, { chunkLongPassages: true, chunkOverlap: 250 }), { name: 'IndorerankError', code: 'invalid_argument' });
  assert.deepEqual(await w.rerank(QUERY, PASSAGES), good);
  w.dispose();
  await assert.rejects(w.rerank(QUERY, PASSAGES), { code: 'disposed' });
});

test('an engine without WebAssembly SIMD gets a clear error, not a CompileError', async () => {
  const realValidate = WebAssembly.validate;
  assert.equal(realValidate(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), true);
  WebAssembly.validate = (bytes) => (bytes.includes(0xfd) ? false : realValidate(bytes)); // no SIMD opcodes
  try {
    await assert.rejects(Reranker.load(TINY), { name: 'IndorerankError', code: 'unimplemented', message: /no WebAssembly SIMD/ });
  } finally {
    WebAssembly.validate = realValidate;
  }
  (await Reranker.load(TINY)).dispose(); // and the probe passes on this engine
});

test('an engine without WebAssembly exception handling gets a clear error, not a CompileError', async () => {
  const realValidate = WebAssembly.validate;
  const hasTry = (bytes) => bytes.some((b, i) => b === 0x06 && bytes[i + 1] === 0x40);  // try with an empty block type
  WebAssembly.validate = (bytes) => (hasTry(bytes) ? false : realValidate(bytes));
  try {
    await assert.rejects(Reranker.load(TINY), {
      name: 'IndorerankError', code: 'unimplemented', message: /no WebAssembly exception handling/,
    });
  } finally {
    WebAssembly.validate = realValidate;
  }
});
