// Whether this JavaScript engine has WebAssembly relaxed SIMD, which the
// optional relaxed kernel module needs (whether it runs it exactly is probed
// later, by the engine itself).

// The smallest module using i32x4.relaxed_dot_i8x16_i7x16_add_s (a function
// returning it of three zero vectors), encoded by hand from the binary format.
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: () -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x13, 0x01, 0x11, 0x00, // code section: one body of 17 bytes, no locals
  0x41, 0x00, 0xfd, 0x0f, 0x41, 0x00, 0xfd, 0x0f, 0x41, 0x00, 0xfd, 0x0f, // 3 x (i32.const 0; i8x16.splat)
  0xfd, 0x93, 0x02, 0x0b, // i32x4.relaxed_dot_i8x16_i7x16_add_s; end
]);

let validates;

/** True where WebAssembly validates relaxed SIMD (checked once). */
export function relaxedSimdValidates() {
  if (validates === undefined) {
    try {
      validates = typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE);
    } catch {
      validates = false;
    }
  }
  return validates;
}
