// `npx indorerank` (js/bin/indorerank.js): the same answers as the native CLI,
// a convert that writes the very same file, and clear errors.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, CLI, FIXTURES, TINY, PASSAGES } from './support.mjs';

const JS_CLI = path.join(ROOT, 'js', 'bin', 'indorerank.js');
const tmp = mkdtempSync(path.join(tmpdir(), 'indorerank-jscli-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const js = (args, input) => spawnSync('node', [JS_CLI, ...args], { input, encoding: 'utf8' });

test('convert writes the same bytes as the native converter', () => {
  const out = path.join(tmp, 'tiny.int8.safetensors');
  const r = js(['convert', path.join(FIXTURES, 'tiny'), out]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(out).equals(readFileSync(TINY)));
  const fp16 = path.join(tmp, 'tiny_fp16.int8.safetensors');
  assert.equal(js(['convert', path.join(FIXTURES, 'tiny_fp16'), fp16]).status, 0);
  assert.ok(readFileSync(fp16).equals(readFileSync(path.join(FIXTURES, 'tiny_fp16.int8.safetensors'))));
});

test('rank --json equals the native CLI, from JSONL and from plain lines', () => {
  const jsonl = PASSAGES.map((t, i) => JSON.stringify({ id: `p${i}`, text: t })).join('\n');
  const file = path.join(tmp, 'docs.jsonl');
  writeFileSync(file, jsonl + '\n');
  for (const args of [['--passages', file], ['--passages', file, '--top-k', '2']]) {
    const mine = JSON.parse(js(['rank', '-m', TINY, '-q', 'ibu kota', '--json', ...args]).stdout).results;
    const native = JSON.parse(execFileSync(CLI, ['rank', '-m', TINY, '-q', 'ibu kota', '--json', ...args]).toString()).results;
    assert.deepEqual(mine.map((x) => [x.index, x.id, x.truncated]), native.map((x) => [x.index, x.id, x.truncated]));
    mine.forEach((x, i) => assert.ok(Math.abs(x.score - native[i].score) < 1e-6));
  }
  const plain = js(['rank', '-m', TINY, '-q', 'ibu kota'], PASSAGES.join('\n'));
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /^1\. 0\.\d{4} {2}\[\d\]/m);
  assert.match(plain.stdout, /4 passages in/);
});

test('usage errors exit 2, failures exit 1, each with a message', () => {
  const noModel = js(['rank', '-q', 'x'], '');
  assert.equal(noModel.status, 2);
  assert.match(noModel.stderr, /-m MODEL is required/);
  assert.equal(js(['frobnicate']).status, 2);
  const missing = js(['rank', '-m', path.join(tmp, 'nope.safetensors'), '-q', 'x'], 'a\n');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.safetensors: no such file/);
  const badConvert = js(['convert', tmp, path.join(tmp, 'x.safetensors')]);
  assert.equal(badConvert.status, 1);
  assert.match(badConvert.stderr, /config\.json/);
  assert.match(js(['help', 'rank']).stdout, /^usage: indorerank rank -m MODEL/);
});

test('help, version and strict arguments, in the same forms as the native CLI', () => {
  for (const cmd of ['rank', 'tokenize', 'convert', 'info', 'fetch']) {
    for (const form of [[cmd, '--help'], [cmd, '-h'], ['help', cmd]]) {
      const r = js(form);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^usage: indorerank ${cmd}[^]*\nexample:\n  indorerank ${cmd}`));
    }
  }
  const none = js([]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /commands:/);
  const version = JSON.parse(readFileSync(path.join(ROOT, 'js', 'package.json'), 'utf8')).version;
  assert.equal(js(['--version']).stdout, `indorerank ${version}\n`);
  for (const args of [['rank', '-m', TINY, '-q', 'x', '-z'], ['rank', '-m', TINY, '-q', 'x', 'stray'],
    ['tokenize', '-m', TINY, '--revision', 'x'], ['info', TINY, 'other'], ['info', TINY, '-m', TINY]]) {
    const r = js(args, 'a\n');
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /Unknown option|unexpected argument|once/);
  }
  // -k is --top-k; info takes MODEL or -m MODEL, as natively.
  const top = JSON.parse(js(['rank', '-m', TINY, '-q', 'x', '-k', '2', '--json'], 'a\nb\nc\n').stdout);
  assert.equal(top.results.length, 2);
  assert.equal(js(['info', TINY]).stdout, js(['info', '-m', TINY]).stdout);
});
