// Bundles the Web Worker entry of RerankerWorker (js/src/worker-browser.js and
// its imports) into one ES module, js/dist/indorerank-worker.mjs, so that the
// worker runs wherever that file is served: emitted as is by a bundler that
// copies assets (Rollup's import.meta assets plugin), copied with dist/ for
// esbuild, or re-bundled by Vite and webpack.
//   node tools/bundle_worker.mjs OUT_DIR
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'tests', 'package.json'));
const esbuild = require('esbuild');
const out = path.resolve(process.argv[2] ?? path.join(root, 'js', 'dist'));

await esbuild.build({
  entryPoints: [path.join(root, 'js', 'src', 'worker-browser.js')],
  outfile: path.join(out, 'indorerank-worker.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
  banner: { js: '// indorerank: the Web Worker of RerankerWorker (generated from src/worker-browser.js; Apache-2.0)' },
});
