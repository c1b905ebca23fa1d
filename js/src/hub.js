// Models by name from a Hugging Face style hub:
// {hubUrl}/{owner}/{name}/resolve/{revision}/{file}.
//
// Two routes, the first that the repo offers:
//  1. CONVERTED_FILE, a file `indorerank convert` wrote: downloaded as is
//     (~118 MB for the reference model), checked and cached.
//  2. The Hugging Face checkpoint (config.json, sentencepiece.bpe.model,
//     model.safetensors: ~470 MB in fp32), converted by the engine's own
//     converter (checkpoint.js); the checkpoint files and the result are
//     cached. It works in browsers too, at the cost of that download.
import { convertCheckpoint } from './checkpoint.js';
import { IndorerankError } from './errors.js';
import { openUrl } from './url-source.js';

export const DEFAULT_REPO = 'madebyaris/rerank-indonesia';
export const DEFAULT_HUB = 'https://huggingface.co';
/** The name under which a hub repo may carry a model converted by `indorerank convert`. */
export const CONVERTED_FILE = 'model.int8.safetensors';
export const CHECKPOINT_FILES = ['config.json', 'sentencepiece.bpe.model', 'model.safetensors'];

const SEGMENT = '[A-Za-z0-9][A-Za-z0-9._-]*';
const REPO_ID = new RegExp(`^${SEGMENT}/${SEGMENT}$`);
const FILE_LIKE = /\.(safetensors|onnx|bin|model|json|gguf|pt)$/i;

/** True for a hub repo id: "owner/name", with no file extension. */
export function isRepoId(s) {
  return typeof s === 'string' && REPO_ID.test(s) && !FILE_LIKE.test(s) && !s.includes('..');
}

/** The hub's base URL: options.hubUrl, else the platform's (INDORERANK_HUB_URL in Node), else the public hub. */
export function hubBase(options, platform) {
  const base = options.hubUrl ?? platform.hubUrl?.() ?? DEFAULT_HUB;
  let url;
  try {
    url = new URL(String(base), platform.baseUrl);
  } catch {
    throw new TypeError(`hubUrl must be an http(s) URL (got ${JSON.stringify(String(base))})`);
  }
  if (!/^https?:$/.test(url.protocol)) throw new TypeError(`hubUrl must be an http(s) URL (got ${JSON.stringify(url.href)})`);
  return url.href.replace(/\/+$/, '');
}

/** The URL of one file of a repo at a revision (a branch, tag or commit). */
export function hubFileUrl(base, repo, revision, file) {
  return `${base}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

// A 40-hex revision names a commit: its files never change.
const isCommit = (revision) => /^[0-9a-f]{40}$/.test(revision);

/**
 * Opens a hub model for load(): the converted file when the repo has one,
 * else the converted checkpoint. With the hub out of reach, whichever of the
 * two the cache holds.
 * @returns {Promise<import('./source.js').OpenedSource>}
 */
export async function openHubModel(repo, options, platform) {
  const revision = options.revision ?? 'main';
  const base = hubBase(options, platform);
  const o = { ...options, revalidate: options.revalidate ?? !isCommit(revision) };
  const url = hubFileUrl(base, repo, revision, CONVERTED_FILE);
  let unreachable = null;
  try {
    return await openUrl(url, o, platform);
  } catch (e) {
    if (!(e instanceof IndorerankError && (e.code === 'not_found' || e.code === 'fetch_failed'))) throw e;
    if (e.code === 'fetch_failed') unreachable = e;
  }
  const urls = Object.fromEntries(CHECKPOINT_FILES.map((f) => [f, hubFileUrl(base, repo, revision, f)]));
  try {
    return await convertCheckpoint(platform, repo, revision, urls, o);
  } catch (e) {
    if (unreachable) throw unreachable; // the checkpoint is not cached either: say why the hub failed
    if (!(e instanceof IndorerankError && e.code === 'not_found')) throw e;
    throw new IndorerankError(`${repo} (revision ${revision}) not found at ${base}: it has no ${CONVERTED_FILE}, and ${e.message}`, 'not_found');
  }
}
