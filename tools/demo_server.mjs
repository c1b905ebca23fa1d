// The demo page's server: demo/ at /, the npm package (js/) at /pkg/ and a
// model folder (the model file and model.json) at /model/, on 127.0.0.1,
// with the page's Content-Security-Policy on every response and, when
// isolated, the COOP/COEP headers that allow WebAssembly threads. Used by
// `make demo` (tools/demo.mjs), the demo's browser test and its benchmark.
import { mkdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The same policy as the <meta http-equiv> of demo/index.html. */
export const DEMO_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * @param {{ modelDir: string, port?: number, isolated?: boolean, modelChunkDelayMs?: number }} o
 *   modelChunkDelayMs: send /model/ files slowly (tests of the progress bar)
 * @returns {ReturnType<typeof startServer>}
 */
export function startDemoServer({ modelDir, port = 0, isolated = true, modelChunkDelayMs = 0 }) {
  return startServer({
    mounts: { '/': path.join(root, 'demo'), '/pkg/': path.join(root, 'js'), '/model/': modelDir },
    isolated,
    port,
    headers: { 'content-security-policy': DEMO_CSP },
    slow: modelChunkDelayMs ? { prefix: '/model/', chunkDelayMs: modelChunkDelayMs } : null,
  });
}

/**
 * Fills a fresh model folder for /model/: a link to the model file and
 * model.json, which tells the page which file to load (`version` changes its
 * URL when the file changes) and whether to show the synthetic-model banner.
 * @param {string} modelDir @param {string} file
 * @param {{ synthetic: boolean, source: string, version: string }} about
 * @returns {object} what model.json holds
 */
export function publishModel(modelDir, file, { synthetic, source, version }) {
  rmSync(modelDir, { recursive: true, force: true });
  mkdirSync(modelDir, { recursive: true });
  const name = path.basename(file);
  symlinkSync(file, path.join(modelDir, name));
  const meta = { file: name, synthetic, source, bytes: statSync(file).size, version };
  writeFileSync(path.join(modelDir, 'model.json'), JSON.stringify(meta, null, 2) + '\n');
  return meta;
}
