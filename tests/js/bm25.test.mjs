// Bm25Index in Node: the formula, add/remove, snapshots, errors, and equality
// with the native CLI's BM25 scores on the project's collection.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Bm25Index, IndorerankError } from '../../js/src/node.js';
import { CLI, ROOT } from './support.mjs';

const PETS = [
  { id: 'd1', text: 'kucing makan ikan' },
  { id: 'd2', text: 'Kucing kucing tidur.' },
  { id: 'd3', text: 'anjing makan tulang, ikan ikan' },
];
const DATA = path.join(ROOT, 'demo', 'data');
const readJsonl = (f) => readFileSync(path.join(DATA, f), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

test('scores are Okapi BM25 as computed by hand', async () => {
  const index = await Bm25Index.create({ stem: false, removeStopwords: false });
  index.addAll(PETS);
  const idf = Math.log(1.6);
  const norm = (n) => 1.2 * (0.25 + 0.75 * n / (11 / 3));
  const hits = index.search('ikan KUCING');
  assert.deepEqual(hits.map((h) => h.id), ['d1', 'd2', 'd3']);
  const expected = [2 * idf * 2.2 / (1 + norm(3)), idf * 2 * 2.2 / (2 + norm(3)), idf * 2 * 2.2 / (2 + norm(5))];
  hits.forEach((h, i) => assert.ok(Math.abs(h.score - expected[i]) < 1e-12, `${h.id}: ${h.score} vs ${expected[i]}`));
  assert.equal(index.search('ikan kucing', { topK: 1 }).length, 1);
  assert.equal(index.search('ikan kucing', { topK: 0 }).length, 3);
  assert.deepEqual(index.search('gajah'), []);
  assert.deepEqual(index.options, { k1: 1.2, b: 0.75, stem: false, removeStopwords: false });
  index.dispose();
});

test('analysis stems Indonesian and drops stopwords', async () => {
  const index = await Bm25Index.create();
  assert.deepEqual(index.analyze('Bagaimana cara membuat paspor yang baru?'), ['buat', 'paspor', 'baru']);
  assert.deepEqual(index.analyze('pembangunan perekonomian anak-anak'), ['bangun', 'ekonomi', 'anak', 'anak']);
  index.add('a', 'Pembangunan jalan desa');
  assert.equal(index.search('membangun')[0].id, 'a');
  index.dispose();
});

test('add, remove and snapshots; errors leave the index as it was', async () => {
  const index = await Bm25Index.create({ k1: 1.5 });
  index.addAll(PETS);
  assert.equal(index.size, 3);
  assert.throws(() => index.add('d1', 'lagi'), (e) => e instanceof IndorerankError && e.code === 'invalid_argument' && /'d1'/.test(e.message));
  assert.throws(() => index.addAll([{ id: 'n1', text: 'baru' }, { id: 'd2', text: 'x' }]), /already in the index/);
  assert.throws(() => index.addAll([{ id: 'n1', text: 'a' }, { id: 'n1', text: 'b' }]), /already in the index/);
  assert.equal(index.has('n1'), false, 'addAll is all or none');
  assert.throws(() => index.add('', 'x'), TypeError);
  assert.throws(() => index.add('x', 5), TypeError);
  assert.throws(() => index.search(null), TypeError);
  assert.throws(() => index.search('x', { topK: -1 }), TypeError);
  assert.equal(index.size, 3);
  assert.equal(index.remove('d2'), true);
  assert.equal(index.remove('d2'), false);

  const bytes = index.serialize();
  assert.ok(bytes instanceof Uint8Array);
  const copy = await Bm25Index.load(bytes);
  assert.equal(copy.size, 2);
  assert.equal(copy.options.k1, 1.5);
  assert.deepEqual(copy.search('ikan kucing'), index.search('ikan kucing'));
  assert.deepEqual(copy.serialize(), bytes);
  await assert.rejects(Bm25Index.load(bytes.subarray(0, bytes.length - 3)), (e) => e.code === 'data_loss' && /truncated/.test(e.message));
  await assert.rejects(Bm25Index.load(new Uint8Array(40)), (e) => e.code === 'data_loss' && /magic/.test(e.message));
  await assert.rejects(Bm25Index.load('nope'), TypeError);
  await assert.rejects(Bm25Index.create({ b: 3 }), (e) => e.code === 'invalid_argument' && /0 <= b <= 1/.test(e.message));
  await assert.rejects(Bm25Index.create({ k1: 'x' }), TypeError);

  copy.dispose();
  assert.throws(() => copy.search('ikan'), (e) => e.code === 'disposed');
  copy.dispose(); // twice is fine
  index.dispose();
});

test('scores equal the native CLI on the project collection, for every labelled query', async () => {
  const passages = readJsonl('passages.jsonl');
  const queries = readJsonl('queries.jsonl');
  assert.ok(passages.length >= 300 && queries.length >= 40);
  const index = await Bm25Index.create();
  index.addAll(passages.map((p) => ({ id: p.id, text: `${p.title}. ${p.text}` })));  // as the CLI reads titles
  for (const q of queries) {
    const r = spawnSync(CLI, ['search', '--corpus', path.join(DATA, 'passages.jsonl'), '-q', q.query, '--json', '--top-k', '100'],
      { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const native = JSON.parse(r.stdout).results.map((x) => ({ id: x.id, score: x.bm25_score }));
    assert.deepEqual(index.search(q.query, { topK: 100 }), native, q.query);
  }
  index.dispose();
});
