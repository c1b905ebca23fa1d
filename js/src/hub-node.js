// The checkpoint route of hub loads in Node: the Hugging Face files are
// downloaded into the model cache (each checked and revalidated like any
// URL), converted by the core's converter, and the result is cached under
// the checkpoint's URL, tied to the checkpoint's ETag.
import { mkdtemp, rm, symlink, copyFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IndorerankError, unwrap } from './errors.js';
import { openUrl } from './source.js';

async function drain(opened, onChunk) {
  for await (const c of opened.chunks) onChunk(c.byteLength, opened.total);
}

/**
 * @param {object} platform the Node platform's source part (openStore, hasher)
 * @param {(variant: string, o: object) => Promise<any>} loadModule
 */
export async function convertCheckpoint(platform, loadModule, repo, revision, urls, options) {
  const store = await platform.openStore(options);
  const work = await mkdtemp(path.join(os.tmpdir(), 'indorerank-hub-'));
  try {
    // Each file through the cache: a second load asks the hub only whether it changed.
    let done = 0;
    const metas = {};
    for (const [name, url] of Object.entries(urls)) {
      let seen = 0;
      await drain(await openUrl(url, { ...options, cache: true }, platform), (n, total) => {
        seen += n;
        options.onProgress?.(done + seen, done + (total ?? seen));
      });
      done += seen;
      const entry = await store.get(url);
      if (!entry) throw new IndorerankError(`could not keep ${url} in the cache folder ${store.dir}`, 'internal');
      metas[name] = entry.meta;
      await symlink(entry.path, path.join(work, name)).catch(() => copyFile(entry.path, path.join(work, name)));
    }
    // The converted file's cache key: the checkpoint's URL, renamed.
    const key = `${urls['model.safetensors'].replace(/model\.safetensors$/, 'model.int8.safetensors')}#converted`;
    const from = JSON.stringify([metas['model.safetensors'], metas['config.json'], metas['sentencepiece.bpe.model']]
      .map((m) => m.sha256 ?? m.etag ?? m.lastModified ?? null));
    const cached = await store.get(key);
    if (cached && cached.meta.from === from) return cached.open();

    const out = path.join(work, 'model.int8.safetensors');
    const mod = await loadModule('single', { threadPoolSize: 0 });
    try {
      unwrap(mod.convert(work, out));
    } catch (e) {
      throw new IndorerankError(`converting ${repo} (revision ${revision}) failed: ${e.message}`, e.code ?? 'internal');
    }
    const writer = store.begin(key, { from }, null);
    for await (const c of createReadStream(out, { highWaterMark: 1 << 20 })) await writer.write(c);
    if (!(await writer.commit())) throw new IndorerankError(`could not keep the converted model in ${store.dir}`, 'internal');
    const entry = await store.get(key);
    return entry.open();
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
