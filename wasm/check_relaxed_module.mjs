// Fails unless the relaxed-SIMD side module can only touch the memory the
// engine hands it: its one import is env.memory, it has no data segment, and
// its code never reads or writes a global (it has no C stack).
//   node check_relaxed_module.mjs llvm-objdump-19 indorerank-relaxed.wasm
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [objdump, file] = process.argv.slice(2);
const bytes = readFileSync(file);
const fail = (why) => {
  console.error(`check_relaxed_module: ${file}: ${why}`);
  process.exit(1);
};

let pos = 8;
const uleb = () => {
  let v = 0, shift = 0, b;
  do {
    b = bytes[pos++];
    v += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return v;
};
const name = () => {
  const n = uleb();
  pos += n;
  return bytes.subarray(pos - n, pos).toString('utf8');
};

const imports = [];
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = uleb();
  const end = pos + size;
  if (id === 11 || id === 12) fail('it has a data segment, which would overwrite the engine\'s memory');
  if (id === 2) {
    for (let i = uleb(); i > 0; --i) {
      imports.push(`${name()}.${name()}`);
      const kind = bytes[pos++];
      if (kind !== 2) break; // only a memory import is allowed; anything else fails below
      const flags = bytes[pos++];
      uleb();
      if (flags & 1) uleb();
    }
  }
  pos = end;
}
if (imports.join() !== 'env.memory') fail(`it imports ${imports.join(', ') || 'nothing'}; it may import only env.memory`);
const code = execFileSync(objdump, ['-d', file], { maxBuffer: 1 << 26 }).toString();
if (/\bglobal\.(get|set)\b/.test(code)) fail('its code uses a global (a C stack?), which would write into the engine\'s memory');
