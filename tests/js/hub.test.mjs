// Load by name (Reranker.load('owner/name') and `npx indorerank fetch`)
// against a hub on 127.0.0.1 in the Hugging Face layout. Each load runs in
// a fresh Node process, as an application start would, sharing one cache
// folder: first download with progress, a 304 revalidation, offline reuse,
// a file updated at the same URL, 404, a wrong sha256, a cut connection, and
// the checkpoint route (config + sentencepiece + fp32 safetensors, converted).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES, PASSAGES, ROOT, TINY } from './support.mjs';
import { startHub } from './hub.mjs';

const NODE_ENTRY = path.join(ROOT, 'js', 'src', 'node.js');
const JS_CLI = path.join(ROOT, 'js', 'bin', 'indorerank.js');
const REPO = 'madebyaris/rerank-indonesia';
const QUERY = 'apa ibu kota indonesia';
const tmp = mkdtempSync(path.join(tmpdir(), 'indorerank-hub-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const tinyBytes = readFileSync(TINY);
const fp16Bytes = readFileSync(path.join(FIXTURES, 'tiny_fp16.int8.safetensors'));

// The hub runs in this process: children are awaited, never run synchronously.
function run(args, env) {
  return new Promise((resolve) => {
    const p = spawn('node', args, { env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Loads `source` in a new process; returns {results, fileBytes, progress} or {error}. */
async function loadInChild(source, options, env) {
  const script = `
    import { Reranker } from ${JSON.stringify(NODE_ENTRY)};
    const progress = [];
    try {
      const r = await Reranker.load(${JSON.stringify(source)}, { ...${JSON.stringify(options)}, onProgress: (l, t) => progress.push([l, t]) });
      const results = await r.rerank(${JSON.stringify(QUERY)}, ${JSON.stringify(PASSAGES)});
      console.log(JSON.stringify({ results, fileBytes: r.info().fileBytes, progress }));
      r.dispose();
    } catch (e) {
      console.log(JSON.stringify({ error: { name: e.name, code: e.code, message: e.message } }));
    }`;
  const r = await run(['--input-type=module', '-e', script], env);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function expectedFor(file) {
  return (await loadInChild(file, {}, {})).results;
}

test('converted route: download with progress, 304 revalidation, offline reuse, an updated file', async (t) => {
  const hub = await startHub();
  t.after(() => hub.close());
  const env = { INDORERANK_HUB_URL: hub.url, INDORERANK_CACHE_DIR: path.join(tmp, 'converted') };
  hub.put(REPO, 'main', 'model.int8.safetensors', tinyBytes);
  const expected = await expectedFor(TINY);

  const first = await loadInChild(REPO, {}, env);
  assert.deepEqual(first.results, expected);
  assert.equal(first.fileBytes, tinyBytes.length);
  assert.ok(first.progress.length >= 1);
  assert.deepEqual(first.progress.at(-1), [tinyBytes.length, tinyBytes.length]);
  assert.deepEqual(hub.log.splice(0), [`GET 200 /${REPO}/resolve/main/model.int8.safetensors`]);

  const second = await loadInChild(REPO, {}, env);
  assert.deepEqual(second.results, expected);
  assert.deepEqual(hub.log.splice(0), [`GET 304 /${REPO}/resolve/main/model.int8.safetensors`], 'revalidated, not downloaded');

  // The same URL now serves another model: the next start gets it.
  hub.put(REPO, 'main', 'model.int8.safetensors', fp16Bytes);
  const updated = await loadInChild(REPO, {}, env);
  assert.notDeepEqual(updated.results, expected, 'the updated model scores differently');
  assert.deepEqual(updated.results, await expectedFor(path.join(FIXTURES, 'tiny_fp16.int8.safetensors')));
  assert.deepEqual(hub.log.splice(0), [`GET 200 /${REPO}/resolve/main/model.int8.safetensors`]);

  // The hub down (500), then gone: the cached copy.
  hub.fault('model.int8.safetensors', '500');
  assert.equal((await loadInChild(REPO, {}, env)).fileBytes, fp16Bytes.length);
  hub.fault('model.int8.safetensors', null);
  await hub.close();
  const offline = await loadInChild(REPO, {}, env);
  assert.equal(offline.fileBytes, fp16Bytes.length, JSON.stringify(offline.error));

  // A URL load gets the same cache and revalidation.
  const again = await loadInChild(`${hub.url}/${REPO}/resolve/main/model.int8.safetensors`, {}, env);
  assert.equal(again.fileBytes, fp16Bytes.length, 'a URL load shares the cache (offline here)');
});

test('a server with Last-Modified only: revalidated with If-Modified-Since', async (t) => {
  const hub = await startHub();
  t.after(() => hub.close());
  const env = { INDORERANK_HUB_URL: hub.url, INDORERANK_CACHE_DIR: path.join(tmp, 'last-modified') };
  hub.put(REPO, 'main', 'model.int8.safetensors', tinyBytes);
  hub.fault('model.int8.safetensors', 'no-etag');
  const url = `${hub.url}/${REPO}/resolve/main/model.int8.safetensors`;
  assert.equal((await loadInChild(url, {}, env)).fileBytes, tinyBytes.length);
  assert.equal((await loadInChild(url, {}, env)).fileBytes, tinyBytes.length);
  assert.deepEqual(hub.log.splice(0), [`GET 200 /${REPO}/resolve/main/model.int8.safetensors`, `GET 304 /${REPO}/resolve/main/model.int8.safetensors`]);
});

test('failures: unknown repo, wrong sha256, a cut download; each leaves nothing cached and the next load works', async (t) => {
  const hub = await startHub();
  t.after(() => hub.close());
  const cacheDir = path.join(tmp, 'failures');
  const env = { INDORERANK_HUB_URL: hub.url, INDORERANK_CACHE_DIR: cacheDir };
  hub.put(REPO, 'main', 'model.int8.safetensors', tinyBytes);

  const missing = await loadInChild('nobody/no-such-model', {}, env);
  assert.equal(missing.error.name, 'IndorerankError');
  assert.equal(missing.error.code, 'not_found');
  assert.match(missing.error.message, /nobody\/no-such-model.*revision main.*not found/);
  const badRevision = await loadInChild(REPO, { revision: 'v9' }, env);
  assert.equal(badRevision.error.code, 'not_found');

  hub.fault('model.int8.safetensors', 'wrong-sha');
  const wrong = await loadInChild(REPO, {}, env);
  assert.equal(wrong.error.code, 'data_loss');
  assert.match(wrong.error.message, /checksum mismatch \(sha256 [0-9a-f]{64}, the server says [0-9a-f]{64}\)/);

  hub.fault('model.int8.safetensors', 'cut');
  const cut = await loadInChild(REPO, {}, env);
  assert.equal(cut.error.code, 'fetch_failed', JSON.stringify(cut.error));
  assert.match(cut.error.message, /model\.int8\.safetensors/);
  assert.deepEqual(existsSync(cacheDir) ? readdirSync(cacheDir) : [], [], 'no partial or unchecked file is kept');

  hub.fault('model.int8.safetensors', null);
  assert.deepEqual((await loadInChild(REPO, {}, env)).results, await expectedFor(TINY), 'the next load works');

  // In one process: failed loads by name leave a loaded reranker working.
  const { Reranker, IndorerankError } = await import(NODE_ENTRY);
  const r = await Reranker.load(TINY);
  const before = await r.rerank(QUERY, PASSAGES);
  for (const kind of ['wrong-sha', 'cut']) {
    hub.fault('model.int8.safetensors', kind);
    await assert.rejects(Reranker.load(REPO, { hubUrl: hub.url, cacheDir: path.join(tmp, 'in-process') }),
      (e) => e instanceof IndorerankError && ['data_loss', 'fetch_failed'].includes(e.code));
  }
  hub.fault('model.int8.safetensors', null);
  assert.deepEqual(await r.rerank(QUERY, PASSAGES), before);
  const byName = await Reranker.load(REPO, { hubUrl: hub.url, cacheDir: path.join(tmp, 'in-process') });
  assert.deepEqual(await byName.rerank(QUERY, PASSAGES), before);
  byName.dispose();
  r.dispose();
});

test('checkpoint route: config, sentencepiece and fp32 safetensors converted by the core, then cached', async (t) => {
  const hub = await startHub();
  t.after(() => hub.close());
  const env = { INDORERANK_HUB_URL: hub.url, INDORERANK_CACHE_DIR: path.join(tmp, 'checkpoint') };
  for (const f of ['config.json', 'sentencepiece.bpe.model', 'model.safetensors']) {
    hub.put('acme/tiny-reranker', 'main', f, readFileSync(path.join(FIXTURES, 'tiny', f)));
  }
  const first = await loadInChild('acme/tiny-reranker', {}, env);
  assert.deepEqual(first.results, await expectedFor(TINY), JSON.stringify(first.error));
  assert.equal(first.fileBytes, tinyBytes.length, 'the conversion equals the native converter\'s file');
  assert.deepEqual(hub.log.splice(0).map((l) => l.split(' ').slice(0, 2).join(' ')), ['GET 404', 'GET 200', 'GET 200', 'GET 200']);
  const second = await loadInChild('acme/tiny-reranker', {}, env);
  assert.deepEqual(second.results, first.results);
  assert.deepEqual(hub.log.splice(0).map((l) => l.split(' ').slice(0, 2).join(' ')), ['GET 404', 'GET 304', 'GET 304', 'GET 304'],
    'the checkpoint is revalidated, not downloaded or converted again');
});

test('npx indorerank fetch: downloads, checks, converts and prints the cached file; --out copies it', async (t) => {
  const hub = await startHub();
  t.after(() => hub.close());
  hub.put(REPO, 'main', 'model.int8.safetensors', tinyBytes);
  const env = { INDORERANK_CACHE_DIR: path.join(tmp, 'cli') };
  const out = path.join(tmp, 'fetched.int8.safetensors');
  const r = await run([JS_CLI, 'fetch', REPO, '--hub-url', hub.url, '--out', out], env);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(out).equals(tinyBytes));
  assert.match(r.stderr, /model\.int8\.safetensors/);
  // A checkpoint-only repo: converted, and the printed file is the converter's output.
  for (const f of ['config.json', 'sentencepiece.bpe.model', 'model.safetensors']) {
    hub.put('acme/tiny-reranker', 'main', f, readFileSync(path.join(FIXTURES, 'tiny', f)));
  }
  const converted = await run([JS_CLI, 'fetch', 'acme/tiny-reranker', '--hub-url', hub.url], env);
  assert.equal(converted.status, 0, converted.stderr);
  assert.ok(readFileSync(converted.stdout.trim()).equals(tinyBytes), 'equal to the native converter\'s file');
  const missing = await run([JS_CLI, 'fetch', 'nobody/nothing', '--hub-url', hub.url], env);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /not found/);
});
