// How a page's engine reads relaxed SIMD's int8 dot product, taken straight
// from the package's relaxed module: the tests' own oracle for which kernel
// the engine must pick, with or without threads ('unsigned' or 'signed':
// wasm_relaxed; 'inexact', 'other (...)' with the two lanes read, or 'no
// relaxed SIMD': wasm_simd128).
import { readFileSync } from 'node:fs';

const relaxedFile = new URL('../../js/dist/indorerank-relaxed.wasm', import.meta.url);

/** Runs in the page (page.evaluate): the reading of the module in `bytes`. */
export async function readingInPage(bytes) {
  let compiled;
  try {
    compiled = await WebAssembly.compile(bytes);
  } catch {
    return 'no relaxed SIMD';
  }
  const memory = new WebAssembly.Memory({ initial: 16 });
  const lane = (await WebAssembly.instantiate(compiled, { env: { memory } })).exports.one_lane;
  if (lane(100, 127) !== 50800) return 'inexact';
  if (lane(-128, 255) === -130560 && lane(127, 200) === 101600) return 'unsigned';
  if (lane(-128, 255) === 512 && lane(127, 200) === -28448) return 'signed';
  return `other (lane(-128, 255) = ${lane(-128, 255)}, lane(127, 200) = ${lane(127, 200)})`;
}

/** The reading in `page`, and the kernel an engine there must report. */
export async function expectedKernel(page) {
  const base64 = readFileSync(relaxedFile).toString('base64');
  const reading = await page.evaluate(
    `(${readingInPage})(Uint8Array.from(atob(${JSON.stringify(base64)}), (c) => c.charCodeAt(0)))`);
  return { reading, kernel: reading === 'unsigned' || reading === 'signed' ? 'wasm_relaxed' : 'wasm_simd128' };
}
