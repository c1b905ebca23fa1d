// A small static file server for the browser tests and the demo: serves
// folders under URL prefixes on 127.0.0.1, optionally with the COOP/COEP
// headers that make a page cross-origin isolated (WebAssembly threads).
//
//   node tools/serve.mjs [--port 8080] [--no-isolation] /=demo /pkg/=js ...
import http from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.cjs': 'text/javascript',
  '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jsonl': 'application/jsonl',
};

/**
 * @param {{ mounts: Record<string, string>, isolated?: boolean, port?: number, headers?: Record<string, string>,
 *           chunkedQuery?: boolean, slow?: { prefix: string, chunkDelayMs: number }, ranges?: boolean }} o
 *   mounts: URL prefix (ending in '/') -> folder; chunkedQuery: a request
 *   with ?chunked gets no Content-Length (a chunked response), for tests;
 *   slow: files under `prefix` are sent in 64 KiB chunks `chunkDelayMs` apart
 *   (so tests see download progress); ranges: answer single-range Range
 *   requests with 206 (as static hosts and CDNs do), false to ignore them
 * @returns {Promise<{ url: string, close: () => Promise<void>, requests: string[], statuses: string[],
 *                     transfers: { path: string, status: number, at: number, bytes: number }[] }>}
 *   transfers: each response, with when its request came (Date.now()) and the body bytes sent
 */
export async function startServer({ mounts, isolated = true, port = 0, headers = {}, chunkedQuery = false, slow = null,
  ranges = true }) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const requests = [];
  const statuses = []; // "STATUS /path" of each finished response
  const transfers = [];
  // `headers` and the isolation headers go on every response, errors included.
  const withPolicy = (h) => {
    const out = { ...h, ...headers };
    if (isolated) {
      out['cross-origin-opener-policy'] = 'same-origin';
      out['cross-origin-embedder-policy'] = 'require-corp';
      out['cross-origin-resource-policy'] = 'same-origin';
    }
    return out;
  };
  const server = http.createServer((req, res) => {
    const { pathname, searchParams } = new URL(req.url, 'http://localhost');
    requests.push(pathname);
    const transfer = { path: pathname, status: 0, at: Date.now(), bytes: 0 };
    transfers.push(transfer);
    res.on('finish', () => { statuses.push(`${res.statusCode} ${pathname}`); transfer.status = res.statusCode; });
    const prefix = prefixes.find((p) => pathname.startsWith(p));
    const root = prefix && path.resolve(mounts[prefix]);
    let file;
    try {
      file = root && path.resolve(root, '.' + decodeURIComponent(pathname.slice(prefix.length - 1)));
    } catch { /* a malformed %-escape: not found */ }
    if (!file || !(file === root || file.startsWith(root + path.sep))) { res.writeHead(404, withPolicy({})).end(); return; }
    let st;
    try {
      st = statSync(file);
      if (st.isDirectory()) { file = path.join(file, 'index.html'); st = statSync(file); }
    } catch {
      res.writeHead(404, withPolicy({ 'content-type': 'text/plain' })).end('not found');
      return;
    }
    // Validators, so clients (the package's model cache) can revalidate with a 304.
    const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const h = {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': String(st.size),
      'cache-control': 'no-cache',
      etag,
      'last-modified': st.mtime.toUTCString(),
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, withPolicy({ etag, 'cache-control': 'no-cache' })).end();
      return;
    }
    if (chunkedQuery && searchParams.has('chunked')) delete h['content-length'];
    h['accept-ranges'] = ranges ? 'bytes' : 'none';
    let start = 0, end = st.size - 1, status = 200;
    const range = ranges && req.headers.range;
    const ifRange = req.headers['if-range'];
    if (range && (!ifRange || ifRange === etag)) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (m && (m[1] || m[2])) {
        if (m[1]) { start = Number(m[1]); if (m[2]) end = Math.min(Number(m[2]), st.size - 1); } else { start = Math.max(0, st.size - Number(m[2])); }
        if (start > end || start >= st.size) {
          res.writeHead(416, withPolicy({ 'content-range': `bytes */${st.size}` })).end();
          return;
        }
        status = 206;
        h['content-range'] = `bytes ${start}-${end}/${st.size}`;
        h['content-length'] = String(end - start + 1);
      }
    }
    res.writeHead(status, withPolicy(h));
    if (req.method === 'HEAD') { res.end(); return; }
    if (st.size === 0) { res.end(); return; }
    const stream = createReadStream(file, { highWaterMark: 64 * 1024, start, end });
    stream.on('data', (chunk) => { transfer.bytes += chunk.byteLength; });
    if (slow && pathname.startsWith(slow.prefix)) {
      stream.on('data', (chunk) => {
        stream.pause();
        res.write(chunk);
        setTimeout(() => stream.resume(), slow.chunkDelayMs);
      });
      stream.on('end', () => res.end());
    } else {
      stream.pipe(res);
    }
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    requests,
    statuses,
    transfers,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let port = 8080, isolated = true;
  const mounts = {};
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port') port = Number(args[++i]);
    else if (args[i] === '--no-isolation') isolated = false;
    else {
      const [prefix, dir] = args[i].split('=');
      mounts[prefix.endsWith('/') ? prefix : prefix + '/'] = dir;
    }
  }
  const s = await startServer({ mounts, isolated, port });
  console.log(`serving on ${s.url}${isolated ? ' (cross-origin isolated)' : ''}`);
}
