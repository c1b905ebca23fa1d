// Sources as streams of chunks: one buffer, a ReadableStream, progress, and
// reading a whole source into memory.
import { IndorerankError } from './errors.js';

/** @param {Uint8Array} bytes */
export async function* single(bytes) { yield bytes; }

/**
 * The chunks of a ReadableStream; a stream that errors rejects with
 * IndorerankError 'fetch_failed' naming `what`, the original error as `cause`.
 */
export async function* fromStream(stream, what = 'the model') {
  const reader = stream.getReader();
  try {
    for (;;) {
      let step;
      try {
        step = await reader.read();
      } catch (e) {
        const err = new IndorerankError(`reading ${what} failed: ${e?.message ?? String(e)}`, 'fetch_failed');
        err.cause = e;
        throw err;
      }
      if (step.done) return;
      yield step.value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Wraps chunks so onProgress(loaded, total) follows every chunk. */
export async function* withProgress(opened, onProgress) {
  let loaded = 0;
  for await (const chunk of opened.chunks) {
    loaded += chunk.byteLength;
    if (onProgress) onProgress(loaded, opened.total ?? loaded);
    yield chunk;
  }
}

/** Reads a source to its end for what reading does (caching, checking); returns its size. */
export async function drain(opened, onProgress) {
  let n = 0;
  for await (const c of withProgress(opened, onProgress)) n += c.byteLength;
  return n;
}

/** Reads a whole source into one Uint8Array. */
export async function readAll(opened, onProgress) {
  const parts = [];
  let n = 0;
  for await (const c of withProgress(opened, onProgress)) { parts.push(c); n += c.byteLength; }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of parts) { out.set(c, o); o += c.byteLength; }
  return out;
}
