// Benchmark inputs shared by the benchmarks: realistic Indonesian queries
// with 100 candidates each, passages of 60-250 tokens (max_length 256).
import { makeGroups } from '../tests/parity/pairs.mjs';

/**
 * @param {(pairs: {query: string, passage: string}[]) => Promise<number[][]> | number[][]} tokenize
 *   input ids of each pair
 * @returns {Promise<{ ids: number[][], meanLen: number, minLen: number, maxLen: number }>} 100 per query
 */
export async function benchmarkInputs(tokenize, queries) {
  const groups = makeGroups({ groups: queries, perGroup: 300, seed: 99, minSent: 2, maxSent: 7 });
  const enc = await tokenize(groups.flatMap((g) => g.passages.map((p) => ({ query: g.query, passage: p }))));
  const ids = [];
  groups.forEach((g, gi) => {
    const mine = enc.slice(gi * 300, gi * 300 + 300).filter((s) => {
      const q = s.indexOf(2) - 1;
      const p = s.length - q - 4;
      return p >= 60 && p <= 250;
    });
    if (mine.length < 100) throw new Error(`query ${gi}: only ${mine.length} candidates of 60-250 tokens`);
    ids.push(...mine.slice(0, 100));
  });
  const lens = ids.map((s) => s.length);
  return { ids, meanLen: lens.reduce((x, y) => x + y, 0) / lens.length, minLen: Math.min(...lens), maxLen: Math.max(...lens) };
}

/** benchmarkInputs() tokenized by the npm package (Node build) with the model at `modelPath`. */
export async function modelInputs(modelPath, queries) {
  const { Reranker } = await import('../js/src/node.js');
  const tok = await Reranker.load(modelPath);
  try {
    return await benchmarkInputs(async (pairs) => {
      const out = [];
      for (const p of pairs) out.push((await tok.tokenize(p.query, p.passage)).inputIds);
      return out;
    }, queries);
  } finally {
    tok.dispose();
  }
}

/** Median of `runs` timings of fn() in seconds, after one warm-up call. */
export async function medianSeconds(fn, runs) {
  await fn();
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)];
}
