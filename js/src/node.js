// Entry point for Node (the "node" export condition). Each class is bound to
// the Node platform here, statically: importing this module runs nothing.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir } from './cache-node.js';
import { Bm25IndexBase } from './bm25.js';
import { unwrap } from './errors.js';
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

/** Converts a Hugging Face model folder to one int8 model file (runs the core's converter). */
export async function convert(hfDir, outPath) {
  const mod = await nodePlatform.loadModule('single', { threadPoolSize: 0 });
  unwrap(mod.convert(path.resolve(hfDir), path.resolve(outPath)));
}

export { IndorerankError } from './errors.js';

/** Removes every model this package cached (the folder of cacheDir() / INDORERANK_CACHE_DIR). */
export async function clearCache(options) {
  await rm(cacheDir(options), { recursive: true, force: true });
}
