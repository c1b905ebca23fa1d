// Shared by the JS suites: where the fixtures, the package and the native CLI are.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer } from '../../tools/serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
export const FIXTURES = process.env.INDORERANK_FIXTURES ?? path.join(ROOT, 'build', 'native', 'fixtures');
export const CLI = process.env.INDORERANK_CLI ?? path.join(ROOT, 'build', 'native', 'bin', 'indorerank');
export const TINY = path.join(FIXTURES, 'tiny.int8.safetensors');
export const FULL = path.join(FIXTURES, 'full.int8.safetensors');
// Models loaded from URLs are cached (in Node, a folder): never the user's own.
process.env.INDORERANK_CACHE_DIR ??= mkdtempSync(path.join(tmpdir(), 'indorerank-cache-'));

export const PASSAGES = [
  'Jakarta adalah ibu kota Indonesia dan kota terbesar di Asia Tenggara.',
  'Rendang adalah masakan daging khas Minangkabau dari Sumatera Barat.',
  'Candi Borobudur di Magelang dibangun pada abad kedelapan.',
  'Pembuatan paspor baru memerlukan KTP, kartu keluarga, dan akta kelahiran.',
];

/**
 * A loopback HTTP server for `dir` (tools/serve.mjs, no isolation headers):
 * files with Content-Length, or chunked without it when the URL has ?chunked;
 * 404 otherwise. Returns { url (no trailing slash), close, requests }.
 */
export async function serveDir(dir) {
  const s = await startServer({ mounts: { '/': dir }, isolated: false, chunkedQuery: true });
  return { ...s, url: s.url.replace(/\/$/, '') };
}

/** Deep copy through JSON, to prove inputs were not modified. */
export const snapshot = (v) => JSON.stringify(v);

/**
 * The kernel the package's engine must report in a Node.js run as `node ...flags`:
 * wasm_relaxed where that runtime reads the relaxed module's int8 dot exactly
 * (tests/browser/relaxed_reading.mjs, the browser tests' oracle too), else
 * wasm_simd128. Relaxed SIMD is on by default from Node 22; Node 20 needs a
 * flag and reads it inexactly.
 */
export function expectedKernel(node = process.execPath, flags = []) {
  const reading = execFileSync(node, [...flags, '--input-type=module', '-e', `
    import { readFileSync } from 'node:fs';
    import { readingInPage } from ${JSON.stringify(pathToFileURL(path.join(here, '..', 'browser', 'relaxed_reading.mjs')).href)};
    console.log(await readingInPage(readFileSync(${JSON.stringify(path.join(ROOT, 'js', 'dist', 'indorerank-relaxed.wasm'))})));
  `]).toString().trim();
  return { reading, kernel: reading === 'unsigned' || reading === 'signed' ? 'wasm_relaxed' : 'wasm_simd128' };
}
