// The model cache of Node: a folder (INDORERANK_CACHE_DIR, else
// $XDG_CACHE_HOME/indorerank, else ~/.cache/indorerank) holding, per URL,
// KEY-NAME (the bytes; NAME is the URL's file name) and KEY.json (URL,
// validators, sha256, size). A file appears only complete and checked: it is
// written as KEY-NAME.PID.part and renamed on commit.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The cache folder for `options.cacheDir` or the environment. */
export function cacheDir(options = {}) {
  if (options.cacheDir) return path.resolve(options.cacheDir);
  if (process.env.INDORERANK_CACHE_DIR) return path.resolve(process.env.INDORERANK_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'indorerank');
}

const keyOf = (url) => createHash('sha256').update(url).digest('hex').slice(0, 32);

/** @returns {Promise<import('./source.js').ModelStore>} */
export async function openNodeStore(options) {
  const dir = cacheDir(options);
  const files = (url) => {
    const k = path.join(dir, keyOf(url));
    const name = (new URL(url).pathname.split('/').pop() || 'file').replace(/[^\w.-]/g, '_');
    return { bin: `${k}-${name}`, json: `${k}.json` };
  };
  return {
    dir,
    async get(url) {
      const f = files(url);
      let meta, st;
      try {
        meta = JSON.parse(await fsp.readFile(f.json, 'utf8'));
        st = await fsp.stat(f.bin);
      } catch {
        return null;
      }
      if (meta.url !== url || meta.size !== st.size) return null;
      // The file is opened when its chunks are first read: an entry left unread holds no descriptor.
      const chunks = async function* () { yield* createReadStream(f.bin, { highWaterMark: 1 << 20 }); };
      const readRange = async (begin, end) => {
        const fh = await fsp.open(f.bin, 'r');
        try {
          const out = new Uint8Array(end - begin);
          const { bytesRead } = await fh.read(out, 0, out.byteLength, begin);
          if (bytesRead !== out.byteLength) throw new Error(`${f.bin} is shorter than its index says`);
          return out;
        } finally {
          await fh.close();
        }
      };
      return { meta, path: f.bin, readRange, open: () => ({ total: st.size, chunks: chunks(), cachedPath: async () => f.bin }) };
    },

    begin(url, meta, total) {
      const f = files(url);
      const part = `${f.bin}.${process.pid}.part`;
      let out = null;
      let size = 0;
      const opened = fsp.mkdir(dir, { recursive: true }).then(() => { out = createWriteStream(part); });
      const finish = () => new Promise((resolve, reject) => out.end((e) => (e ? reject(e) : resolve())));
      return {
        async write(chunk) {
          await opened;
          size += chunk.byteLength;
          if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
        },
        async commit() {
          try {
            await opened;
            await finish();
            await fsp.rename(part, f.bin);
            await fsp.writeFile(f.json, JSON.stringify({ url, ...meta, size, total }));
            return true;
          } catch {
            await fsp.rm(part, { force: true });
            return false; // a cache that cannot be written loses nothing but the copy
          }
        },
        async abort() {
          try { await opened; await finish(); } catch { /* already broken */ }
          await fsp.rm(part, { force: true });
        },
      };
    },

    async remove(url) {
      const f = files(url);
      await fsp.rm(f.json, { force: true });
      await fsp.rm(f.bin, { force: true });
    },
  };
}
