// Shared by the JS suites: where the fixtures, the package and the native CLI are.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
