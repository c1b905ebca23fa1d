/**
 * The error every failed call rejects with: `message` says what is wrong,
 * `code` is a stable name ("invalid_argument", "resource_exhausted",
 * "data_loss", "disposed", "fetch_failed", ...).
 */
export class IndorerankError extends Error {
  /** @param {string} message @param {string} code */
  constructor(message, code) {
    super(message);
    this.name = 'IndorerankError';
    this.code = code;
  }
}

/** Throws when a binding call returned {error, code}; returns the value otherwise. */
export function unwrap(value) {
  if (value !== null && typeof value === 'object' && typeof value.error === 'string') {
    throw new IndorerankError(value.error, value.code || 'internal');
  }
  return value;
}
