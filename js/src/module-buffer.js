// Bytes into a core module instance: a source copied into a ModelBuffer in
// wasm memory, and where an instance's files come from.
import { IndorerankError } from './errors.js';
import { readAll, withProgress } from './streams.js';

/** Where the module's files come from: `wasmBase`, or (in a worker) the page's files. */
export function moduleFiles(options) {
  return { wasmBase: options.wasmBase, files: options._files };
}

/** Copies a source into a fresh ModelBuffer in the module's memory. */
export async function fillBuffer(mod, opened, onProgress) {
  const alloc = (n) => {
    const buf = new mod.ModelBuffer(n);
    if (!buf.ok()) {
      buf.delete();
      throw new IndorerankError(`cannot allocate ${n} bytes of WebAssembly memory for the model`, 'resource_exhausted');
    }
    return buf;
  };
  if (opened.total != null) {
    // Known size: stream straight into wasm memory, no second copy in JS.
    const buf = alloc(opened.total);
    let off = 0;
    try {
      for await (const c of withProgress(opened, onProgress)) {
        if (off + c.byteLength > opened.total) throw new IndorerankError('the model source sent more bytes than it announced', 'data_loss');
        mod.HEAPU8.set(c, buf.ptr() + off); // HEAPU8 is re-read: memory may have grown
        off += c.byteLength;
      }
      if (off !== opened.total) throw new IndorerankError(`the model source ended after ${off} of ${opened.total} bytes`, 'data_loss');
    } catch (e) {
      buf.delete();
      throw e;
    }
    return buf;
  }
  const bytes = await readAll(opened, onProgress);
  const buf = alloc(bytes.byteLength);
  mod.HEAPU8.set(bytes, buf.ptr());
  return buf;
}
