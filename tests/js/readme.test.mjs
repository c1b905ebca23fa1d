// The JavaScript quickstarts of README.md and js/README.md (each block marked
// `<!-- quickstart: ... -->`) run as written: at most 10 lines, copied into a
// fresh app where the packed package is installed offline, with the model
// hub on 127.0.0.1 (INDORERANK_HUB_URL) serving the tiny fixture under the
// default model's name.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, TINY } from './support.mjs';
import { startHub } from './hub.mjs';

const tmp = mkdtempSync(path.join(tmpdir(), 'indorerank-readme-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** The ```js blocks right after a quickstart marker, dedented. */
function quickstarts(markdown) {
  const blocks = [];
  const re = /^([ \t]*)<!-- quickstart:[^>]*-->\n\1```js\n([\s\S]*?)\n\1```$/gm;
  for (const m of markdown.matchAll(re)) {
    blocks.push(m[2].split('\n').map((l) => l.slice(m[1].length)).join('\n'));
  }
  return blocks;
}

function run(file, cwd, env) {
  return new Promise((resolve) => {
    const p = spawn('node', [file], { cwd, env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('every JavaScript quickstart in the READMEs runs as written', async (t) => {
  const hub = await startHub();
  t.after(() => hub.close());
  hub.put('madebyaris/rerank-indonesia', 'main', 'model.int8.safetensors', readFileSync(TINY));

  const app = path.join(tmp, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: path.join(ROOT, 'js') }).toString());
  execFileSync('npm', ['install', path.join(tmp, packed[0].filename), '--offline', '--no-audit', '--no-fund'],
    { cwd: app, env: { ...process.env, npm_config_cache: path.join(tmp, 'empty-cache') }, stdio: 'ignore' });

  let n = 0;
  for (const readme of ['README.md', 'js/README.md']) {
    const blocks = quickstarts(readFileSync(path.join(ROOT, readme), 'utf8'));
    assert.ok(blocks.length >= 1, `${readme} has a quickstart`);
    for (const [i, code] of blocks.entries()) {
      const lines = code.split('\n').filter((l) => l.trim() !== '');
      assert.ok(lines.length <= 10, `${readme} quickstart ${i + 1} has ${lines.length} lines (at most 10)`);
      const file = `quickstart-${n++}.mjs`;
      writeFileSync(path.join(app, file), code + '\n');
      const r = await run(file, app, { INDORERANK_HUB_URL: hub.url, INDORERANK_CACHE_DIR: path.join(tmp, 'cache') });
      assert.equal(r.status, 0, `${readme} quickstart ${i + 1} failed:\n${r.stderr}`);
      assert.match(r.stdout, /score|Paspor/, `${readme} quickstart ${i + 1} printed results:\n${r.stdout}`);
    }
  }
  assert.ok(n >= 3);
});
