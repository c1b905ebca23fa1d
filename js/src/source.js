// Model sources: a hub repo id, URL, path (Node), ArrayBuffer / typed array,
// Blob or Response, each opened as a stream of chunks (streams.js); URLs go
// through the model cache (url-source.js), repo ids through hub.js.
import { isRepoId, openHubModel } from './hub.js';
import { fromStream, single } from './streams.js';
import { fromResponse, openUrl } from './url-source.js';

/**
 * @typedef {import('./url-source.js').EntryMeta} EntryMeta
 * @typedef {import('./url-source.js').ModelStore} ModelStore
 * @typedef {{ total: number | null, chunks: AsyncIterable<Uint8Array>, cachedPath?: () => Promise<string | null>,
 *             meta?: EntryMeta, fromCache?: boolean }} OpenedSource
 *   cachedPath (Node): where the model cache keeps the file, once the chunks were read;
 *   meta, fromCache (URLs): the file's validators, and whether the bytes come from the cache
 * @typedef {{ readPath?: (path: string) => Promise<OpenedSource>, isPath?: (s: string) => boolean,
 *             pathExists?: (path: string) => Promise<boolean>, baseUrl?: string,
 *             openStore?: (options: object) => Promise<ModelStore | null>,
 *             hasher: () => { update(c: Uint8Array): void, hex(): string | Promise<string> },
 *             hubUrl?: () => string | undefined, loadModule: Function }} SourcePlatform
 */

/** True for what load() accepts as a source. */
export function isSource(source) {
  return typeof source === 'string' || source instanceof URL || source instanceof ArrayBuffer ||
    ArrayBuffer.isView(source) || (typeof Blob !== 'undefined' && source instanceof Blob) ||
    (typeof Response !== 'undefined' && source instanceof Response);
}

/** Describes a source for error messages, without its bytes. */
export function describeSource(source) {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  if (typeof Response !== 'undefined' && source instanceof Response) return source.url || 'a Response';
  return 'the given bytes';
}

/**
 * The http(s) URL `source` names, when it can be read by range (not bytes,
 * a path or a hub repo); else null.
 * @param {unknown} source
 * @param {SourcePlatform} platform
 * @returns {Promise<string | null>}
 */
export async function rangedUrl(source, platform) {
  const text = source instanceof URL ? source.href : source;
  if (typeof text !== 'string') return null;
  if (isRepoId(text) && !(platform.pathExists && (await platform.pathExists(text)))) return null;
  if (platform.isPath && platform.isPath(text)) return null;
  const url = platform.baseUrl ? new URL(text, platform.baseUrl).href : text;
  return /^https?:/.test(url) ? url : null;
}

/**
 * Opens `source` for reading.
 * @param {unknown} source
 * @param {{ cache?: boolean }} options
 * @param {SourcePlatform} platform
 * @returns {Promise<OpenedSource>}
 */
export async function openSource(source, options, platform) {
  if (source instanceof ArrayBuffer) return { total: source.byteLength, chunks: single(new Uint8Array(source)) };
  if (ArrayBuffer.isView(source)) {
    const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return { total: bytes.byteLength, chunks: single(bytes) };
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) return { total: source.size, chunks: fromStream(source.stream(), 'the Blob') };
  if (typeof Response !== 'undefined' && source instanceof Response) return fromResponse(source, describeSource(source));
  const text = source instanceof URL ? source.href : source;
  if (typeof text === 'string') {
    // "owner/name" is a hub repo, unless (Node) a file of that name exists.
    if (isRepoId(text) && !(platform.pathExists && (await platform.pathExists(text)))) return openHubModel(text, options, platform);
    if (platform.isPath && platform.isPath(text)) return platform.readPath(text);
    const url = platform.baseUrl ? new URL(text, platform.baseUrl).href : text;
    return openUrl(url, options, platform);
  }
  throw new TypeError('source must be a URL, a path, an ArrayBuffer, a typed array, a Blob or a Response');
}
