// `indorerank serve` through the clients people point at it: the official
// Cohere SDK (v1 and v2 clients), and the raw request shapes of Jina, Hugging
// Face TEI and llama.cpp. Every ranking must equal `rank --json` on the same
// passages. Also: the API key, CORS and /v1/models.
//
// Run by ctest as: node tests/cli/serve_clients.mjs CLI FIXTURES_DIR
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(join(import.meta.dirname, '..', 'package.json'));
const { CohereClient, CohereClientV2, CohereError } = require('cohere-ai');

const [CLI, FIXTURES] = process.argv.slice(2);
const MODEL = join(FIXTURES, 'tiny.int8.safetensors');
const KEY = 'sk-local-' + 'x'.repeat(24);
const ORIGIN = 'http://app.test:5173';
const QUERY = 'harga beras di pasar';
const DOCS = [
  'Jakarta adalah ibu kota Indonesia.',
  'Rendang berasal dari Sumatera Barat.',
  'Harga beras di pasar naik minggu ini.',
  'Kereta api berangkat dari Stasiun Gambir pukul tujuh pagi. '.repeat(30),
  'Petani di Jawa Tengah memanen padi lebih awal tahun ini.',
  'Bank Indonesia menahan suku bunga acuan.',
];
const dir = mkdtempSync(join(tmpdir(), 'indorerank-clients-'));
let server, base;

// `rank --json` on the same passages: the reference every client must match.
function rankJson(query, texts) {
  const file = join(dir, 'passages.jsonl');
  writeFileSync(file, texts.map((text, id) => JSON.stringify({ id, text })).join('\n') + '\n');
  const out = execFileSync(CLI, ['rank', '-m', MODEL, '-q', query, '--passages', file, '--json', '--max-length', '64']);
  return JSON.parse(out).results;
}

before(async () => {
  const keyFile = join(dir, 'key');
  writeFileSync(keyFile, KEY + '\n');
  server = spawn(CLI, ['serve', '-m', MODEL, '--port', '0', '--max-length', '64', '--workers', '2', '--threads', '1',
    '--api-key-file', keyFile, '--cors-allow-origin', ORIGIN, '--model-name', 'indorerank-tiny'],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    let text = '';
    server.stdout.on('data', (d) => {
      text += d;
      if (text.includes('\n')) resolve(text);
    });
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  base = 'http://127.0.0.1:' + /http:\/\/127\.0\.0\.1:(\d+)/.exec(line)[1];
});

after(() => {
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const auth = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
async function post(path, body, headers = auth) {
  const r = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: r.status, headers: r.headers, body: await r.json() };
}

test('Cohere SDK v1 client: rerank with top_n and documents, scores equal rank --json', async () => {
  const want = rankJson(QUERY, DOCS);
  const client = new CohereClient({ token: KEY, environment: base });
  const res = await client.rerank({ model: 'rerank-multilingual-v3.0', query: QUERY, documents: DOCS, topN: 3,
    returnDocuments: true });
  assert.deepEqual(res.results.map((r) => [r.index, r.relevanceScore]), want.slice(0, 3).map((r) => [r.index, r.score]));
  assert.deepEqual(res.results.map((r) => r.document.text), want.slice(0, 3).map((r) => DOCS[r.index]));
  assert.equal(typeof res.id, 'string');
  assert.equal(res.meta.apiVersion.version, '1');
  assert.equal(res.meta.billedUnits.searchUnits, 1);
  // LangChain's CohereRerank asks for top_n 3 of 2 documents, with null fields.
  const few = await client.rerank({ model: 'm', query: QUERY, documents: DOCS.slice(0, 2), topN: 3, maxChunksPerDoc: undefined });
  assert.equal(few.results.length, 2);
});

test('Cohere SDK v1 client: document objects with rank_fields keep their fields', async () => {
  const docs = DOCS.map((text, i) => ({ title: `Berita ${i}`, text, source: `s${i}` }));
  const want = rankJson(QUERY, docs.map((d) => `${d.title}\n${d.text}`));
  const client = new CohereClient({ token: KEY, environment: base });
  const res = await client.rerank({ model: 'm', query: QUERY, documents: docs, rankFields: ['title', 'text'],
    returnDocuments: true });
  assert.deepEqual(res.results.map((r) => [r.index, r.relevanceScore]), want.map((r) => [r.index, r.score]));
  assert.deepEqual(res.results[0].document, docs[res.results[0].index]);
});

test('Cohere SDK v2 client: rerank', async () => {
  const want = rankJson(QUERY, DOCS);
  const client = new CohereClientV2({ token: KEY, baseUrl: base });
  const res = await client.rerank({ model: 'rerank-v3.5', query: QUERY, documents: DOCS, topN: 2, maxTokensPerDoc: 4096 });
  assert.deepEqual(res.results.map((r) => [r.index, r.relevanceScore]), want.slice(0, 2).map((r) => [r.index, r.score]));
  assert.equal(res.meta.apiVersion.version, '2');
  assert.ok(res.meta.tokens.inputTokens > 0);
});

test('Cohere SDK: a wrong key is UnauthorizedError, a bad request is BadRequestError', async () => {
  const wrong = new CohereClientV2({ token: 'sk-wrong', baseUrl: base, maxRetries: 0 });
  await assert.rejects(wrong.rerank({ model: 'm', query: QUERY, documents: DOCS }), (e) => {
    assert.ok(e instanceof CohereError);
    assert.equal(e.statusCode, 401);
    return true;
  });
  const client = new CohereClient({ token: KEY, environment: base, maxRetries: 0 });
  await assert.rejects(client.rerank({ query: QUERY, documents: [{ title: 'no text' }] }), (e) => {
    assert.equal(e.statusCode, 400);
    assert.match(e.body.error.message, /documents\[0\]/);
    return true;
  });
});

test('Jina shape: usage.total_tokens, documents returned, ids and metas kept', async () => {
  const want = rankJson(QUERY, DOCS);
  const docs = DOCS.map((text, i) => ({ id: `doc-${i}`, text, meta: { page: i, tags: ['berita'] } }));
  const { status, body } = await post('/v1/rerank', { model: 'jina-reranker-v2-base-multilingual', query: QUERY,
    documents: docs, top_n: 4, return_documents: true });
  assert.equal(status, 200);
  assert.deepEqual(body.results.map((r) => [r.index, r.relevance_score]), want.slice(0, 4).map((r) => [r.index, r.score]));
  for (const r of body.results) {
    assert.equal(r.id, `doc-${r.index}`);
    assert.deepEqual(r.meta, { page: r.index, tags: ['berita'] });
    assert.deepEqual(r.document, docs[r.index]);
  }
  assert.ok(body.usage.total_tokens > 6 * 8);
  assert.equal(body.model, 'indorerank-tiny');
});

test('TEI shape on /rerank: [{index, score, text}], raw_scores, truncate', async () => {
  const want = rankJson(QUERY, DOCS);
  const { status, body } = await post('/rerank', { query: QUERY, texts: DOCS, return_text: true, truncate: true });
  assert.equal(status, 200);
  assert.ok(Array.isArray(body));
  assert.deepEqual(body.map((r) => [r.index, r.score, r.text]), want.map((r) => [r.index, r.score, DOCS[r.index]]));
  const raw = await post('/rerank', { query: QUERY, texts: DOCS, raw_scores: true, truncate: true });
  assert.deepEqual(raw.body.map((r) => [r.index, r.score]), want.map((r) => [r.index, r.logit]));
  assert.equal(raw.body[0].text, undefined);
  // TEI answers 413 {"error", "error_type": "Validation"} for a too-long input unless it may truncate.
  const long = await post('/rerank', { query: QUERY, texts: DOCS, truncate: false });
  assert.equal(long.status, 413);
  assert.equal(long.body.error_type, 'Validation');
  assert.match(long.body.error, /texts\[3\]/);
  const bad = await post('/rerank', { query: QUERY, texts: [1] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error_type, 'Validation');
});

test('llama.cpp shape on /rerank, /v1/reranking and /reranking', async () => {
  const want = rankJson(QUERY, DOCS);
  for (const path of ['/rerank', '/v1/reranking', '/reranking', '/v1/rerank']) {
    const { status, body } = await post(path, { model: 'bge-reranker', query: QUERY, documents: DOCS, top_n: 3 });
    assert.equal(status, 200, path);
    assert.equal(body.object, 'list');
    assert.equal(body.usage.prompt_tokens, body.usage.total_tokens);
    assert.deepEqual(body.results.map((r) => [r.index, r.relevance_score]), want.slice(0, 3).map((r) => [r.index, r.score]));
  }
});

test('top_n far beyond 2^53 returns everything; null fields are absent', async () => {
  const { status, body } = await post('/v1/rerank', { query: QUERY, documents: DOCS, top_n: 1e300, return_documents: null,
    rank_fields: null, max_chunks_per_doc: null });
  assert.equal(status, 200);
  assert.equal(body.results.length, DOCS.length);
});

test('the key guards the APIs but not /health; CORS only for the allowed origin', async () => {
  for (const headers of [{}, { Authorization: 'Bearer nope' }, { Authorization: KEY }]) {
    const r = await post('/v1/rerank', { query: QUERY, documents: DOCS }, { ...headers, 'Content-Type': 'application/json' });
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
  }
  assert.equal((await fetch(base + '/v1/models')).status, 401);
  assert.equal((await fetch(base + '/health')).status, 200);
  const models = await (await fetch(base + '/v1/models', { headers: auth })).json();
  assert.deepEqual(models.data.map((m) => m.id), ['indorerank-tiny']);

  const preflight = await fetch(base + '/v1/rerank', { method: 'OPTIONS', headers: { Origin: ORIGIN,
    'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), ORIGIN);
  assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
  assert.match(preflight.headers.get('access-control-allow-headers'), /authorization/);
  const other = await fetch(base + '/v1/rerank', { method: 'OPTIONS', headers: { Origin: 'http://evil.test',
    'Access-Control-Request-Method': 'POST' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  const r = await post('/v2/rerank', { model: 'm', query: QUERY, documents: DOCS }, { ...auth, Origin: ORIGIN });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
});
