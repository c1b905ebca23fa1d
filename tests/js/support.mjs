// Shared by the JS suites: where the fixtures, the package and the native CLI are.
import http from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
export const FIXTURES = process.env.INDORERANK_FIXTURES ?? path.join(ROOT, 'build', 'native', 'fixtures');
export const CLI = process.env.INDORERANK_CLI ?? path.join(ROOT, 'build', 'native', 'bin', 'indorerank');
export const TINY = path.join(FIXTURES, 'tiny.int8.safetensors');
export const FULL = path.join(FIXTURES, 'full.int8.safetensors');

export const PASSAGES = [
  'Jakarta adalah ibu kota Indonesia dan kota terbesar di Asia Tenggara.',
  'Rendang adalah masakan daging khas Minangkabau dari Sumatera Barat.',
  'Candi Borobudur di Magelang dibangun pada abad kedelapan.',
  'Pembuatan paspor baru memerlukan KTP, kartu keluarga, dan akta kelahiran.',
];

/**
 * A loopback HTTP server for `dir`: serves files with Content-Length (or
 * chunked without it when the path has ?chunked), 404 otherwise.
 * Returns { url, close, requests }.
 */
export async function serveDir(dir) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    requests.push(u.pathname);
    const file = path.join(dir, decodeURIComponent(u.pathname));
    let st;
    try { st = statSync(file); } catch { res.writeHead(404).end('not found'); return; }
    const headers = { 'content-type': 'application/octet-stream' };
    if (!u.searchParams.has('chunked')) headers['content-length'] = String(st.size);
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((r) => server.close(r)),
  };
}

/** Deep copy through JSON, to prove inputs were not modified. */
export const snapshot = (v) => JSON.stringify(v);
