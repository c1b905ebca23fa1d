// Splits pasted text or a .txt file into passages: one per paragraph (blank
// lines separate paragraphs); a paragraph over maxWords is cut at sentence
// ends into near-equal parts (a 260-word paragraph gives two of ~130).
// A heading (a short paragraph with no sentence end) is joined to the
// paragraph that follows it.

const SENTENCE_END = /(?<=[.!?…]["'”’)\]]*)\s+/u;

const wordCount = (s) => (s.match(/\S+/g) || []).length;

// Sentences of a paragraph; a "sentence" longer than maxWords (no
// punctuation) is cut into near-equal pieces of at most maxWords words.
function sentences(paragraph, maxWords) {
  const out = [];
  for (const s of paragraph.split(SENTENCE_END)) {
    const words = s.match(/\S+/g);
    if (!words) continue;
    const size = Math.ceil(words.length / Math.ceil(words.length / maxWords));
    for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(' '));
  }
  return out;
}

// Cuts a long paragraph into ceil(words / maxWords) parts of about equal size.
function cutParagraph(paragraph, maxWords) {
  const total = wordCount(paragraph);
  if (total <= maxWords) return [paragraph];
  const parts = Math.ceil(total / maxWords);
  const target = total / parts;
  const out = [];
  let current = [], n = 0;
  for (const s of sentences(paragraph, maxWords)) {
    const w = wordCount(s);
    // Close the part when this sentence would take it further from the target than stopping here.
    if (n > 0 && (n + w > maxWords || Math.abs(n + w - target) > Math.abs(n - target)) && out.length < parts - 1) {
      out.push(current.join(' '));
      current = [];
      n = 0;
    }
    current.push(s);
    n += w;
  }
  if (current.length) out.push(current.join(' '));
  return out;
}

/**
 * @param {string} text
 * @param {{ maxWords?: number, headingWords?: number }} [options]
 * @returns {string[]} passages, whitespace normalised
 */
export function splitPassages(text, { maxWords = 250, headingWords = 8 } = {}) {
  const paragraphs = String(text)
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const joined = [];
  let heading = '';
  for (const p of paragraphs) {
    const merged = heading ? `${heading} ${p}` : p;
    if (wordCount(p) <= headingWords && !/[.!?…:;]["'”’)\]]*$/u.test(p)) heading = merged;
    else { joined.push(merged); heading = ''; }
  }
  if (heading) joined.push(heading);
  return joined.flatMap((p) => cutParagraph(p, maxWords));
}
