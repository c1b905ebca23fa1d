// How well two engines agree on ranking, as the parity tests define it:
// Pearson(logits) >= 0.999 and, per query, the top-10 order of the reference
// is kept wherever neighbouring reference logits differ by more than twice
// the measured max absolute error (two errors of opposite sign can close a
// gap of up to twice the max).

/**
 * @param {number[]} ref reference logits, @param {number[]} ours the other engine's
 * @param {number[][]} groups indices of each query's passages into ref/ours
 */
export function agreement(ref, ours, groups) {
  const n = ref.length;
  const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
  const mr = mean(ref), mo = mean(ours);
  let sxy = 0, sxx = 0, syy = 0, maxErr = 0, sumErr = 0;
  for (let i = 0; i < n; i++) {
    sxy += (ref[i] - mr) * (ours[i] - mo);
    sxx += (ref[i] - mr) ** 2;
    syy += (ours[i] - mo) ** 2;
    const e = Math.abs(ref[i] - ours[i]);
    maxErr = Math.max(maxErr, e);
    sumErr += e;
  }
  const pearson = sxy / Math.sqrt(sxx * syy);
  const tol = 2 * maxErr;
  let checked = 0, violations = 0;
  for (const idx of groups) {
    const byRef = [...idx].sort((x, y) => ref[y] - ref[x]).slice(0, 10);
    for (let k = 0; k + 1 < byRef.length; k++) {
      const [hi, lo] = [byRef[k], byRef[k + 1]];
      if (ref[hi] - ref[lo] > tol) {
        checked++;
        if (!(ours[hi] > ours[lo])) violations++;
      }
    }
  }
  return {
    n, pearson, maxErr, meanErr: sumErr / n, refStd: Math.sqrt(sxx / n), tol, checked, violations,
    ok: pearson >= 0.999 && violations === 0 && checked > 0,
  };
}

/** The figures as printed lines. */
export function describe(a) {
  return [
    `fp32 logit spread: std ${a.refStd.toFixed(3)}`,
    `pearson: ${a.pearson.toFixed(6)}`,
    `abs logit error: max ${a.maxErr.toExponential(3)} mean ${a.meanErr.toExponential(3)}`,
    `top-10 neighbour orders checked: ${a.checked} (gap > ${a.tol.toExponential(2)}), violations: ${a.violations}`,
  ];
}
