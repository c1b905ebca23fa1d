// The onnxruntime-web backend: same API and result shape, our tokenizer, and
// rankings that agree with the wasm backend as the native parity test
// defines it (tests/parity/agreement.mjs), with the fp32 ONNX as reference.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { Reranker } from '../../js/src/node.js';
import { makeGroups } from '../parity/pairs.mjs';
import { agreement, describe } from '../parity/agreement.mjs';
import { FIXTURES, TINY, FULL, PASSAGES } from './support.mjs';

async function logitsOf(r, gs) {
  const ids = [];
  for (const g of gs) for (const p of g.passages) ids.push((await r.tokenize(g.query, p)).inputIds);
  return { ids, logits: await r.scoreIds(ids) };
}

async function check(name, hfDir, model, { groups, perGroup }) {
  const gs = makeGroups({ groups, perGroup, seed: 5, minSent: 2, maxSent: 10 });
  const tokenizer = path.join(hfDir, 'sentencepiece.bpe.model');
  const o = await Reranker.load(path.join(hfDir, 'onnx', 'model_fp32.onnx'), { backend: 'onnxruntime-web', tokenizer, onnxruntime: ort });
  const w = await Reranker.load(model);
  try {
    const ref = await logitsOf(o, gs);
    const ours = await logitsOf(w, gs);
    assert.deepEqual(ref.ids, ours.ids, 'both backends tokenize alike');
    const idx = gs.map((g, gi) => g.passages.map((_, j) => gi * perGroup + j));
    const a = agreement(ref.logits, ours.logits, idx);
    console.log(`${name}: ${a.n} pairs, onnxruntime-web fp32 vs wasm int8\n  ${describe(a).join('\n  ')}`);
    assert.ok(a.ok, `${name}: backends disagree (pearson ${a.pearson}, violations ${a.violations}, checked ${a.checked})`);

    // The rerank path of both backends returns the same shape and the same top result.
    const g = gs[0];
    const ro = await o.rerank(g.query, g.passages, { topK: 5, returnDocuments: true });
    const rw = await w.rerank(g.query, g.passages, { topK: 5, returnDocuments: true });
    assert.deepEqual(Object.keys(ro[0]).sort(), Object.keys(rw[0]).sort());
    assert.equal(ro.length, 5);
  } finally {
    o.dispose();
    w.dispose();
  }
}

test('onnxruntime-web agrees with the wasm backend on the tiny fixture', async () => {
  await check('tiny', path.join(FIXTURES, 'tiny'), TINY, { groups: 12, perGroup: 20 });
});

const haveFull = existsSync(FULL);
test('onnxruntime-web agrees with the wasm backend on the full-shape fixture', { skip: !haveFull && !process.env.INDORERANK_REQUIRE_FULL ? 'no full fixture' : false }, async () => {
  assert.ok(haveFull, `INDORERANK_REQUIRE_FULL is set but ${FULL} is missing`);
  await check('full', path.join(FIXTURES, 'full'), FULL, { groups: 4, perGroup: 20 });
});

test('the int8 ONNX graph runs too, and errors are clear', async () => {
  const hf = path.join(FIXTURES, 'tiny');
  const tokenizer = path.join(hf, 'sentencepiece.bpe.model');
  const r = await Reranker.load(path.join(hf, 'onnx', 'model.onnx'), { backend: 'onnxruntime-web', tokenizer, onnxruntime: ort, maxLength: 64 });
  const res = await r.rerank('ibu kota', PASSAGES);
  assert.equal(res.length, PASSAGES.length);
  assert.equal(r.info().backend, 'onnxruntime-web');
  await assert.rejects(r.rerank('ibu kota', PASSAGES, { chunkLongPassages: true }), { code: 'unimplemented' });
  assert.equal((await r.rerank('ibu kota', PASSAGES)).length, PASSAGES.length);
  r.dispose();
  await assert.rejects(Reranker.load(TINY, { backend: 'onnxruntime-web', tokenizer, onnxruntime: ort }), { code: 'data_loss', message: /onnxruntime-web could not load/ });
  await assert.rejects(Reranker.load(path.join(hf, 'onnx', 'model.onnx'), { backend: 'onnxruntime-web', tokenizer: TINY, onnxruntime: ort }), { name: 'IndorerankError' });
});
