// How the page's engine reads relaxed SIMD's int8 dot product, taken straight
// from the package's relaxed module: the tests' own oracle for which kernel
// the single-thread module must pick ('unsigned' or 'signed': wasm_relaxed;
// 'inexact', 'other' or 'no relaxed SIMD': wasm_simd128).

/** Runs in the page (passed to page.evaluate). */
export async function readingInPage(url) {
  let compiled;
  try {
    compiled = await WebAssembly.compile(await (await fetch(url)).arrayBuffer());
  } catch {
    return 'no relaxed SIMD';
  }
  const memory = new WebAssembly.Memory({ initial: 16 });
  const lane = (await WebAssembly.instantiate(compiled, { env: { memory } })).exports.one_lane;
  if (lane(100, 127) !== 50800) return 'inexact';
  if (lane(-128, 255) === -130560 && lane(127, 200) === 101600) return 'unsigned';
  if (lane(-128, 255) === 512 && lane(127, 200) === -28448) return 'signed';
  return 'other';
}

/** The kernel a single-thread engine in `page` must report. */
export async function singleThreadKernel(page, url = '/pkg/dist/indorerank-relaxed.wasm') {
  const reading = await page.evaluate(`(${readingInPage})(${JSON.stringify(url)})`);
  return { reading, kernel: reading === 'unsigned' || reading === 'signed' ? 'wasm_relaxed' : 'wasm_simd128' };
}
