// What the demo tests (demo.mjs in Chromium, demo_engines.mjs in Firefox
// and WebKit) share: where things are, the default collection, what they
// read off the demo page and how they check it against the Node build.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, ROOT } from '../js/support.mjs';

export { FIXTURES, ROOT };
export const ARTIFACTS = path.join(ROOT, 'build', 'test-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const readJsonl = (f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
/** The default collection, by id, and its labelled queries. */
export const passages = new Map(readJsonl(path.join(ROOT, 'demo/data/passages.jsonl')).map((p) => [p.id, p]));
export const queries = readJsonl(path.join(ROOT, 'demo/data/queries.jsonl'));
/** A passage's text as the page searches and reranks it. */
export const defaultText = (id) => { const p = passages.get(id); return `${p.title}. ${p.text}`; };

/** The two result columns as [{id, rank, text}], and the figures (page: any engine's page API). */
export function readResults(page) {
  return page.evaluate(() => {
    const list = (id) => [...document.querySelectorAll(`#${id} li`)].map((li) => ({
      id: li.dataset.id,
      rank: Number(li.querySelector('.rank').textContent),
      score: li.querySelector('.score').textContent,
      move: li.querySelector('.move')?.textContent ?? null,
      after: li.querySelector('.after')?.textContent ?? null,
      truncated: !!li.querySelector('.badge'),
    }));
    const ms = (id) => Number(document.getElementById(id).dataset.ms);
    return {
      bm25: list('bm25-list'), rerank: list('rerank-list'),
      bm25Ms: ms('t-bm25'), rerankMs: ms('t-rerank'), totalMs: ms('t-total'),
      kernel: document.getElementById('kernel').textContent,
      threads: Number(document.getElementById('threads').dataset.threads),
      mem: document.getElementById('mem').textContent,
      note: document.getElementById('thread-note').hidden ? null : document.getElementById('thread-note').textContent,
    };
  });
}

/**
 * Scores the page's reranked passages again in Node (`reference`, a Reranker):
 * same scores, order, truncation; and the BM25 column agrees with the moves.
 */
export async function checkAgainstNode(reference, query, shown, textOf, label) {
  assert.ok(shown.rerank.length > 0, `${label}: reranked results shown`);
  const expected = await reference.rerank(query, shown.rerank.map((r) => textOf(r.id)));
  assert.deepEqual(
    shown.rerank.map((r) => [r.id, r.score, r.truncated]),
    expected.map((e) => [shown.rerank[e.index].id, `score ${e.score.toFixed(3)}`, e.truncated]),
    `${label}: order, scores and truncation equal the Node build's`);
  // BM25 ranks 1..n, each rank change agrees with where the BM25 column says the passage went.
  assert.deepEqual(shown.bm25.map((r) => r.rank), shown.bm25.map((_, i) => i + 1), `${label}: BM25 ranks`);
  shown.rerank.forEach((r, i) => assert.equal(r.rank, i + 1, `${label}: reranked ranks`));
  for (const b of shown.bm25) {
    const to = Number(b.after?.match(/#(\d+)/)?.[1]);
    assert.ok(to >= 1, `${label}: BM25 item ${b.id} says where reranking put it`);
    const moved = shown.rerank[to - 1];
    if (moved) {
      assert.equal(moved.id, b.id, `${label}: ${b.id} is at reranked #${to}`);
      const d = b.rank - to;
      assert.equal(moved.move, d > 0 ? `▲${d}` : d < 0 ? `▼${-d}` : '=', `${label}: rank change of ${b.id}`);
    }
  }
}
