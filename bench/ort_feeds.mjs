// onnxruntime inputs for the benchmarks: the sequences of each request of
// `group`, in padded batches of `batch` (<pad> = 1), as input_ids and
// attention_mask tensors. Shared by ort_runner.mjs (Node) and the Chromium
// page (chromium_page/index.html), so both time the same feeds.
export function paddedFeeds(ort, seqs, batch, group) {
  const feeds = [];
  for (let g = 0; g < seqs.length; g += group) {
    const req = seqs.slice(g, g + group);
    for (let b = 0; b < req.length; b += batch) {
      const part = req.slice(b, b + batch);
      const len = Math.max(...part.map((s) => s.length));
      const ids = new BigInt64Array(part.length * len).fill(1n);
      const mask = new BigInt64Array(part.length * len);
      part.forEach((s, i) => s.forEach((t, j) => { ids[i * len + j] = BigInt(t); mask[i * len + j] = 1n; }));
      feeds.push({
        input_ids: new ort.Tensor('int64', ids, [part.length, len]),
        attention_mask: new ort.Tensor('int64', mask, [part.length, len]),
      });
    }
  }
  return feeds;
}
