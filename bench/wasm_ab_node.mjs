// Two builds of the npm package timed in one Node process, turn by turn: this
// checkout's js/ and another (a copy of js/ with its dist/ from an older
// build: `cp -r js /tmp/old-js` before rebuilding). This machine's speed
// drifts by a third within minutes, so separate runs minutes apart cannot
// show a change of a few percent; rounds of the two, back to back and in
// alternating order, can. Inputs: the benchmarks' 100 candidates per query
// (candidates.mjs), one thread. Prints each round and the median ratio.
//   PATH=third_party/node-lts/bin:$PATH taskset -c 1 node bench/wasm_ab_node.mjs --old OTHER_JS_DIR
//       --model M.int8.safetensors [--queries 3] [--rounds 10] [--kernel NAME]
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { modelInputs } from './candidates.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: a } = parseArgs({
  options: {
    old: { type: 'string' }, new: { type: 'string', default: path.join(root, 'js') },
    model: { type: 'string' }, queries: { type: 'string', default: '3' }, rounds: { type: 'string', default: '10' },
    kernel: { type: 'string' },
  },
});
if (!a.old || !a.model) throw new Error('--old and --model are required');
const { ids: seqs } = await modelInputs(a.model, Number(a.queries));
const group = 100;
const load = async (dir) => {
  const { Reranker } = await import(pathToFileURL(path.join(path.resolve(dir), 'src/node.js')).href);
  return Reranker.load(a.model, { threads: 1, ...(a.kernel ? { kernel: a.kernel } : {}) });
};
const builds = { old: await load(a.old), new: await load(a.new) };
console.log(`old ${builds.old.info().kernel}, new ${builds.new.info().kernel}; ${seqs.length} pairs, groups of ${group}`);
const pairsPerSecond = async (r) => {
  const t = performance.now();
  for (let g = 0; g < seqs.length; g += group) await r.scoreIds(seqs.slice(g, g + group));
  return seqs.length / ((performance.now() - t) / 1e3);
};
await pairsPerSecond(builds.old);  // warm-up: V8's optimizing tier
await pairsPerSecond(builds.new);
const runs = { old: [], new: [] }, ratios = [];
for (let i = 0; i < Number(a.rounds); i++) {
  const order = i % 2 ? ['old', 'new'] : ['new', 'old'];
  const got = {};
  for (const k of order) got[k] = await pairsPerSecond(builds[k]);
  runs.old.push(got.old);
  runs.new.push(got.new);
  ratios.push(got.new / got.old);
  console.log(`round ${i + 1}: old ${got.old.toFixed(2)}, new ${got.new.toFixed(2)} pairs/s, ratio ${(got.new / got.old).toFixed(3)}`);
}
const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
console.log(`median: old ${median(runs.old).toFixed(2)}, new ${median(runs.new).toFixed(2)} pairs/s; ratio ${median(ratios).toFixed(3)}`);
builds.old.dispose();
builds.new.dispose();
