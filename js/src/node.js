// Entry point for Node (the "node" export condition). Each class is bound to
// the Node platform here, statically: importing this module runs nothing.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir } from './cache-node.js';
import { Bm25IndexBase } from './bm25.js';
import { IndorerankError, unwrap } from './errors.js';
import { isRepoId, openHubModel } from './hub.js';
import { drain } from './streams.js';
import { nodePlatform } from './platform-node.js';
import { RerankerBase } from './reranker.js';
import { RerankerWorkerBase } from './worker-client.js';

export class Reranker extends RerankerBase {
  static _platform = nodePlatform;
}

export class RerankerWorker extends RerankerWorkerBase {
  static _platform = nodePlatform;
}

export class Bm25Index extends Bm25IndexBase {
  static _platform = nodePlatform;
}

/**
 * Downloads (or revalidates) a hub model into the model cache, as
 * Reranker.load(repo) does, and returns the path of its model file.
 */
export async function fetchModel(repo, options = {}) {
  if (!isRepoId(repo)) throw new TypeError(`repo must be a hub repo id "owner/name" (got ${JSON.stringify(repo)})`);
  const opened = await openHubModel(repo, options, nodePlatform.source);
  await drain(opened, options.onProgress);
  const file = await opened.cachedPath?.();
  if (!file) throw new IndorerankError(`the model of ${repo} could not be kept in the cache folder ${cacheDir(options)}`, 'internal');
  return file;
}

/** Converts a Hugging Face model folder to one int8 model file (runs the core's converter). */
export async function convert(hfDir, outPath) {
  const mod = await nodePlatform.loadModule('single', { threadPoolSize: 0 });
  unwrap(mod.convert(path.resolve(hfDir), path.resolve(outPath)));
}

export { IndorerankError };

/** Removes every model this package cached (the folder of cacheDir() / INDORERANK_CACHE_DIR). */
export async function clearCache(options) {
  await rm(cacheDir(options), { recursive: true, force: true });
}
