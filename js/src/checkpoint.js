// The checkpoint route of hub loads, in browsers and Node alike: the Hugging
// Face files (config.json, sentencepiece.bpe.model, model.safetensors) are
// downloaded through the model cache (each checked and revalidated like any
// URL), converted by the core's converter in a WebAssembly instance, and the
// result is cached too, tied to the validators of the files it came from: a
// later load that finds them unchanged reuses it without converting again.
import { IndorerankError, unwrap } from './errors.js';
import { fillBuffer, moduleFiles } from './module-buffer.js';
import { drain, readAll, single } from './streams.js';
import { openEntry, openUrl } from './url-source.js';

const validator = (meta) => meta?.sha256 ?? meta?.etag ?? meta?.lastModified ?? null;

/**
 * @param {Record<string, string>} urls the URL of each checkpoint file, by name, in the order the converter takes them
 * @returns {Promise<import('./source.js').OpenedSource>} the converted model file
 */
export async function convertCheckpoint(source, repo, revision, urls, options) {
  const store = source.openStore ? await source.openStore(options) : null;
  // One file at a time: a download is read to its end (into the cache, or
  // memory without one) before the next starts; cached files are not read
  // unless a conversion needs them.
  const parts = [];
  let done = 0;
  for (const url of Object.values(urls)) {
    const o = await openUrl(url, { ...options, cache: true }, source);
    if (o.fromCache) {
      parts.push({ meta: o.meta, fromCache: true, open: () => o });
      continue;
    }
    const progress = (loaded, total) => options.onProgress?.(done + loaded, done + total);
    let entry = null;
    if (store) {
      done += await drain(o, progress);
      entry = await store.get(url);
    }
    if (entry) {
      parts.push({ meta: o.meta, open: () => openEntry(entry, url) });
    } else {
      // No cache, or it could not keep the file: the bytes stay in memory.
      const bytes = await readAll(store ? await openUrl(url, { ...options, cache: false }, source) : o, progress);
      parts.push({ meta: o.meta, open: () => ({ total: bytes.byteLength, chunks: single(bytes) }) });
      done += bytes.byteLength;
    }
  }
  const from = JSON.stringify(parts.map((p) => validator(p.meta)));
  const key = `${urls['model.safetensors'].replace(/model\.safetensors$/, 'model.int8.safetensors')}?converted-by=indorerank`;
  const cached = store ? await store.get(key) : null;
  if (cached && cached.meta.from === from && parts.every((p) => p.fromCache)) return openEntry(cached, key);

  const mod = await source.loadModule('single', { ...moduleFiles(options), threadPoolSize: 0 });
  const buffers = [];
  let bytes;
  try {
    for (const p of parts) buffers.push(await fillBuffer(mod, p.open()));
    const out = new mod.ModelBuffer(0);
    try {
      const result = mod.convertBytes(...buffers, out);
      unwrap(result);
      bytes = mod.HEAPU8.slice(out.ptr(), out.ptr() + out.size());
    } finally {
      out.delete();
    }
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      throw new IndorerankError(`converting ${repo} (revision ${revision}) ran out of WebAssembly memory (${e.message})`, 'resource_exhausted');
    }
    if (e instanceof IndorerankError && e.code !== 'not_found') {
      throw new IndorerankError(`converting ${repo} (revision ${revision}): ${e.message}`, e.code);
    }
    throw e;
  } finally {
    for (const b of buffers) { try { b.delete(); } catch { /* consumed */ } }
    mod.terminateThreads();
  }
  if (store) {
    const writer = store.begin(key, { from }, bytes.byteLength);
    try {
      await writer.write(bytes);
      await writer.commit();
    } catch {
      await writer.abort(); // the model still loads; only the copy is lost
    }
  }
  return { total: bytes.byteLength, chunks: single(bytes), cachedPath: async () => (store ? (await store.get(key))?.path ?? null : null) };
}
