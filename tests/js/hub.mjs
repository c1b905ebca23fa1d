// A model hub on 127.0.0.1 in the Hugging Face URL layout
// ({repo}/resolve/{revision}/{file}), for the load-by-name tests in Node and
// Chromium: ETag = the file's sha256 (as the hub gives for LFS files), 304 on
// a matching If-None-Match, CORS for pages on other origins, and faults on
// demand (a wrong sha256, a connection cut mid-body, a 500, no ETag).
import { createHash } from 'node:crypto';
import http from 'node:http';

/**
 * @returns {Promise<{ url: string, put(repo: string, revision: string, file: string, bytes: Uint8Array): void,
 *   remove(repo: string, revision: string, file: string): void,
 *   fault(part: string, kind: 'wrong-sha' | 'cut' | '500' | 'no-etag' | null): void, (for paths containing `part`; null clears)
 *   log: string[], close(): Promise<void> }>}
 */
export async function startHub() {
  const files = new Map(); // "/repo/resolve/rev/file" -> { bytes, sha }
  const faults = new Map(); // part of a path ("model.int8.safetensors", "acme/x") -> kind
  const log = [];
  const key = (repo, revision, file) => `/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'etag, x-linked-etag, content-length, last-modified',
    'cross-origin-resource-policy': 'cross-origin',
  };
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/\/resolve\/([^/]+)\//, (_, r) => `/resolve/${encodeURIComponent(r)}/`);
    res.on('finish', () => log.push(`${req.method} ${res.statusCode} ${pathname}`));
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-headers': 'if-none-match, if-modified-since', 'access-control-max-age': '600' }).end();
      return;
    }
    const f = files.get(pathname);
    const fault = [...faults].find(([part]) => pathname.includes(part))?.[1];
    if (fault === '500') { res.writeHead(500, cors).end('hub trouble'); return; }
    if (!f) { res.writeHead(404, { ...cors, 'content-type': 'text/plain' }).end('Entry not found'); return; }
    const sha = fault === 'wrong-sha' ? createHash('sha256').update('something else').digest('hex') : f.sha;
    const headers = { ...cors, etag: `"${sha}"`, 'x-linked-etag': `"${sha}"`, 'last-modified': f.modified, 'content-type': 'application/octet-stream' };
    if (fault === 'no-etag') {
      // A plain web server: Last-Modified only, and If-Modified-Since answered.
      delete headers.etag;
      delete headers['x-linked-etag'];
      if (req.headers['if-modified-since'] === f.modified) { res.writeHead(304, headers).end(); return; }
    }
    if (req.headers['if-none-match'] === `"${sha}"`) { res.writeHead(304, headers).end(); return; }
    res.writeHead(200, { ...headers, 'content-length': String(f.bytes.length) });
    if (req.method === 'HEAD') { res.end(); return; }
    if (fault === 'cut') {
      res.write(f.bytes.subarray(0, f.bytes.length >> 1), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(f.bytes);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    put(repo, revision, file, bytes) {
      files.set(key(repo, revision, file), {
        bytes: Buffer.from(bytes), sha: createHash('sha256').update(bytes).digest('hex'), modified: new Date().toUTCString(),
      });
    },
    remove(repo, revision, file) { files.delete(key(repo, revision, file)); },
    fault(part, kind) { if (kind) faults.set(part, kind); else faults.delete(part); },
    log,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}
