// Lifetime of the package's objects: explicit dispose() (and `using`), with a
// FinalizationRegistry as the safety net for objects nobody disposed.
export const disposeSymbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');

const registry = typeof FinalizationRegistry !== 'undefined'
  ? new FinalizationRegistry((release) => { try { release(); } catch { /* already gone */ } })
  : null;

/** Calls `release` when `owner` is collected, unless forget(owner) came first. */
export function track(owner, release) {
  registry?.register(owner, release, owner);
}

/** Stops tracking `owner` (its dispose() ran). */
export function forget(owner) {
  registry?.unregister(owner);
}
