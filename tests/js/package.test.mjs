// Packaging: `npm pack` gives a tarball that installs into an empty folder
// with no network, a short Node script and `npx indorerank` work from it,
// and a `tsc --strict` consumer type-checks against the published types.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, statSync, readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, TINY, expectedKernel } from './support.mjs';

const JS = path.join(ROOT, 'js');
const TSC = path.join(ROOT, 'tests', 'node_modules', '.bin', 'tsc');
const run = (cmd, args, cwd, env = {}) =>
  execFileSync(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

const tmp = mkdtempSync(path.join(tmpdir(), 'indorerank-pack-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

let tarball;
test('npm pack ships exactly the package files', () => {
  const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', tmp], JS));
  tarball = path.join(tmp, out[0].filename);
  const files = out[0].files.map((f) => f.path).sort();
  for (const f of ['package.json', 'index.d.ts', 'README.md', 'LICENSE', 'src/node.js', 'src/browser.js', 'bin/indorerank.js',
    'dist/indorerank-web.wasm', 'dist/indorerank-web-mt.wasm', 'dist/indorerank-node.wasm', 'dist/indorerank-node-mt.wasm',
    'dist/indorerank-node-mt.worker.cjs', 'dist/indorerank-web-mt.worker.js', 'dist/indorerank-worker.mjs',
    'dist/indorerank-relaxed.wasm', 'dist/indorerank-relaxed-mt.wasm']) {
    assert.ok(files.includes(f), `${f} missing from the tarball`);
  }
  assert.ok(!files.some((f) => f.includes('test') || f.endsWith('.map')), files.join(', '));
  const wasm = readdirSync(path.join(JS, 'dist')).filter((f) => f.endsWith('.wasm'));
  const sizes = wasm.map((f) => {
    const b = readFileSync(path.join(JS, 'dist', f));
    return `${f} ${b.length} bytes (${gzipSync(b, { level: 9 }).length} gzipped)`;
  });
  console.log(`tarball ${path.basename(tarball)}: ${statSync(tarball).size} bytes, ${files.length} files\n${sizes.join('\n')}`);
  for (const f of wasm) assert.ok(statSync(path.join(JS, 'dist', f)).size < 1.5e6, `${f} is over 1.5 MB`);
});

test('installs offline into an empty folder; a 10-line script and npx work', () => {
  const app = path.join(tmp, 'app');
  run('mkdir', ['-p', app], tmp);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], app, { npm_config_cache: path.join(tmp, 'empty-cache') });
  writeFileSync(path.join(app, 'main.js'), `import { Reranker, Bm25Index } from 'indorerank';
const model = process.argv[2];
const r = await Reranker.load(model, { threads: 2 });
const passages = ['Jakarta adalah ibu kota Indonesia.', { id: 'r', text: 'Rendang berasal dari Padang.' }];
const results = await r.rerank('ibu kota indonesia', passages, { topK: 2 });
const { kernel, threadMode } = r.info();
const index = await Bm25Index.create();
index.add('j', passages[0]);
console.log(JSON.stringify({ kernel, threadMode, results, hits: index.search('kota') }));
r.dispose();
`);
  const out = JSON.parse(run('node', ['main.js', TINY], app));
  const expected = expectedKernel('node');
  assert.equal(out.kernel, expected.kernel, `relaxed SIMD reading: ${expected.reading}`);
  assert.equal(out.threadMode, 'pthreads');
  assert.equal(out.results.length, 2);
  assert.deepEqual(out.results.map((x) => x.id).sort(), [0, 'r']);
  assert.equal(out.hits.length, 1);
  assert.equal(out.hits[0].id, 'j');
  const info = run('npx', ['--offline', 'indorerank', 'info', '-m', TINY], app);
  assert.match(info, new RegExp(`^kernel: ${expected.kernel}$`, 'm'));

  // Where Node validates relaxed SIMD, the package hands the engine the
  // relaxed module (both thread modes read it): wasm_relaxed where the
  // runtime reads it exactly, else SIMD128 (Node 20, behind its flag, reads
  // it inexactly), with the same scores either way. From Node 22 relaxed
  // SIMD is on by default, and Node 24 refuses the old flag.
  const nodeMajor = Number(run('node', ['-p', 'process.versions.node.split(".")[0]'], app));
  const flags = nodeMajor < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
  const relaxed = JSON.parse(run('node', [...flags, 'main.js', TINY], app));
  assert.equal(relaxed.kernel, expectedKernel('node', flags).kernel);
  if (nodeMajor === 20) assert.equal(relaxed.kernel, 'wasm_simd128');
  assert.deepEqual(relaxed.results, out.results);
});

test('a tsc --strict consumer type-checks', () => {
  const app = path.join(tmp, 'app');
  writeFileSync(path.join(app, 'consumer.ts'), `import { Reranker, RerankerWorker, Bm25Index, IndorerankError, clearCache, fetchModel, type RerankResult, type Info, type LoadOptions, type RerankerApi, type Bm25Hit } from 'indorerank';
const options: LoadOptions = { maxLength: 128, threads: 0, cache: false, onProgress: (loaded: number, total: number) => void (loaded / total) };
async function main(): Promise<void> {
  const r: Reranker = await Reranker.load(new URL('https://example.invalid/m.int8.safetensors'), options);
  const byName: Reranker = await Reranker.load('madebyaris/rerank-indonesia', { hubUrl: 'http://127.0.0.1:1', revision: 'main', wasmBase: '/indorerank/', revalidate: false, cacheDir: '/tmp/c' });
  const file: string = await fetchModel('madebyaris/rerank-indonesia', { hubUrl: new URL('http://127.0.0.1:1') });
  void [byName, file];
  const res: RerankResult<{ source: string }>[] = await r.rerank('q', ['a', { id: 1, text: 'b', meta: { source: 'x' } }], { topK: 1, returnDocuments: true });
  const first: number = res[0].score + res[0].logit + res[0].index;
  const doc: string | undefined = res[0].document;
  const info: Info = r.info();
  const kernel: string = info.kernel;
  const ids: number[] = (await r.tokenize('q', 'p')).inputIds;
  using w = await RerankerWorker.load(new Uint8Array(8));
  const either: RerankerApi = Math.random() > 0.5 ? w : r;
  using index = await Bm25Index.create({ k1: 1.2, b: 0.75, stem: true });
  index.addAll([{ id: 'a', text: 'teks' }]);
  const hits: Bm25Hit[] = index.search('teks', { topK: 5 });
  const restored: Bm25Index = await Bm25Index.load(index.serialize());
  const size: number = restored.size + hits[0].score;
  void size;
  void either;
  await w.rerank('q', []);
  r.dispose();
  await clearCache();
  void [first, doc, kernel, ids];
}
main().catch((e: unknown) => { if (e instanceof IndorerankError) console.error(e.code, e.message); });
`);
  writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'esnext.disposable', 'dom'], skipLibCheck: false },
    files: ['consumer.ts'],
  }));
  run(TSC, ['-p', 'tsconfig.json'], app);
  // Without the disposable lib (our types bring Symbol.dispose), and a wrong call is caught.
  writeFileSync(path.join(app, 'bad.ts'), `import { Reranker } from 'indorerank';\nexport const x = Reranker.load('m', { maxLength: '256' });\n`);
  writeFileSync(path.join(app, 'tsconfig.bad.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'] },
    files: ['bad.ts'],
  }));
  assert.throws(() => run(TSC, ['-p', 'tsconfig.bad.json'], app), (e) => {
    const out = String(e.stdout);
    assert.match(out, /bad\.ts\(2,\d+\): error TS2322/);
    assert.doesNotMatch(out, /index\.d\.ts/);
    return true;
  });
});
