// Realistic Indonesian (query, passage) groups built deterministically from
// the project's corpus: queries of a few words, passages of 1..N sentences.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CORPUS = path.join(here, '..', '..', 'tools', 'fixtures', 'corpus_id.txt');

// Small deterministic PRNG (mulberry32).
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @returns {{query: string, passages: string[]}[]} `groups` queries with
 * `perGroup` passages each; passages hold minSent..maxSent sentences.
 */
export function makeGroups({ groups, perGroup, seed = 1, minSent = 2, maxSent = 12 }) {
  const lines = readFileSync(CORPUS, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length > 20);
  const r = rng(seed);
  const pick = () => lines[Math.floor(r() * lines.length)];
  const out = [];
  for (let g = 0; g < groups; g++) {
    const words = pick().replace(/[.,!?;:]/g, '').split(/\s+/);
    const n = 3 + Math.floor(r() * 6);
    const start = Math.floor(r() * Math.max(1, words.length - n));
    const query = words.slice(start, start + n).join(' ').toLowerCase();
    const passages = [];
    for (let p = 0; p < perGroup; p++) {
      const k = minSent + Math.floor(r() * (maxSent - minSent + 1));
      const sents = [];
      for (let s = 0; s < k; s++) sents.push(pick());
      passages.push(sents.join(' '));
    }
    out.push({ query, passages });
  }
  return out;
}
