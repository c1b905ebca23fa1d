/**
 * indorerank: rerank Indonesian passages with an int8 cross-encoder, on the
 * user's own device (WebAssembly SIMD in browsers and Node).
 *
 * @example
 * ```ts
 * import { Reranker } from 'indorerank';
 * const r = await Reranker.load('/models/rerank-indonesia.int8.safetensors');
 * const top = await r.rerank('syarat membuat paspor', passages, { topK: 5 });
 * console.log(top[0].index, top[0].score);
 * r.dispose();
 * ```
 * @packageDocumentation
 */

// `Symbol.dispose` (for `using`) without requiring lib "esnext.disposable";
// identical to, and merged with, the declaration of newer libs.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/**
 * Where a model comes from: a hub repo id (`'madebyaris/rerank-indonesia'`:
 * "owner/name" with no file extension; see {@link LoadOptions.hubUrl}), a
 * URL (absolute, or relative to the page), a file path (Node; a file that
 * exists wins over a repo id of the same name), the bytes themselves, a
 * `Blob`/`File`, or a `Response` the caller fetched. Nothing is downloaded
 * unless the caller names a URL or a repo.
 */
export type ModelSource = string | URL | ArrayBuffer | ArrayBufferView | Blob | Response;

/** Options of {@link Reranker.load} and {@link RerankerWorker.load}. */
export interface LoadOptions {
  /**
   * Tokens per (query, passage) pair, special tokens included (8 to 512).
   * Longer pairs are cut (longest first) and the result says `truncated`.
   * @defaultValue 256
   */
  maxLength?: number;
  /**
   * Hard cap in bytes on one call's working memory: the engine's activations
   * and kernel scratch, and the tokenizer's (long texts are read in bounded
   * prefixes, shorter under a small cap). Weights are not counted.
   * Too small for one `maxLength` pair rejects with code `resource_exhausted`
   * and a message giving the minimum.
   * @defaultValue 268435456 (256 MiB)
   */
  memoryLimit?: number;
  /**
   * Engine threads; 0 means one per hardware thread. More than one needs
   * WebAssembly threads: always there in Node, and in browsers only on
   * cross-origin isolated pages. Otherwise one thread runs and
   * {@link Info.threadMode} / {@link Info.threadNote} say why.
   * @defaultValue 1
   */
  threads?: number;
  /**
   * `'wasm'`: the indorerank engine (int8, memory-capped). `'onnxruntime-web'`:
   * the model's ONNX file run by the optional `onnxruntime-web` package, with
   * indorerank's tokenizer (then `source` is the `.onnx` file and
   * {@link LoadOptions.tokenizer} is required).
   * @defaultValue 'wasm'
   */
  backend?: 'wasm' | 'onnxruntime-web';
  /** For `backend: 'onnxruntime-web'`: the model's `sentencepiece.bpe.model`. */
  tokenizer?: ModelSource;
  /**
   * For `backend: 'onnxruntime-web'`: the imported `onnxruntime-web` module
   * (`import * as ort from 'onnxruntime-web'`). Needed in browsers; Node
   * imports it by name when it is absent. The package never names it in a
   * static import, so bundlers work where it is not installed. Not passed to
   * a {@link RerankerWorker}, which imports it by name itself.
   */
  onnxruntime?: unknown;
  /**
   * Called as bytes arrive: `loaded` so far of `total` (equal to `loaded` when the size is unknown).
   * It counts the model file (its head, for a model loaded by parts: see {@link LoadOptions.lazy})
   * and, in browsers, the engine's WebAssembly file (about 0.8 MB, on a page's first load), which
   * downloads and compiles while the model downloads.
   */
  onProgress?: (loaded: number, total: number) => void;
  /**
   * Keep models loaded from http(s) URLs (and hub models) in the model cache:
   * the Cache API in browsers, a folder in Node (`cacheDir`, else the
   * environment variable `INDORERANK_CACHE_DIR`, else
   * `$XDG_CACHE_HOME/indorerank` or `~/.cache/indorerank`). A cached copy is
   * revalidated with its ETag / Last-Modified once per page load (per
   * process in Node), replaced when the server has a new file, and used as
   * is when the server cannot be reached. A download the server gave a
   * sha256 for (a hub's `X-Linked-Etag`, or an `ETag` of 64 hex digits) is
   * checked before it is kept. `false` always downloads and stores nothing.
   * See {@link clearCache}.
   * @defaultValue true
   */
  cache?: boolean;
  /**
   * `false`: use a cached copy without asking the server, for URLs that
   * change whenever the file does (a version in the URL, a commit revision).
   * @defaultValue true
   */
  revalidate?: boolean;
  /**
   * Models from http(s) URLs whose server answers Range requests (static
   * hosts and CDNs do) load by parts: the head (tokenizer and encoder, about
   * a fifth of the file) first, then only the embedding rows each call
   * needs, with the same scores as the whole file. Every part is checked
   * against the file's checksums and kept in the model cache. A server that
   * ignores Range, or a file converted before this layout, loads whole.
   * `false` always loads the whole file.
   * @defaultValue true
   */
  lazy?: boolean;
  /**
   * A model loaded by parts fetches the rest of its file into the cache, in
   * the background, after the first rerank(), so the page then works
   * offline. `false`: only what calls need (call {@link RerankerApi.prefetch} yourself).
   * @defaultValue true
   */
  prefetch?: boolean;
  /** Node: the model cache folder (see {@link LoadOptions.cache}). */
  cacheDir?: string;
  /**
   * Hub loads: the base URL of a Hugging Face style hub, whose files are at
   * `{hubUrl}/{owner}/{name}/resolve/{revision}/{file}`. In Node the
   * environment variable `INDORERANK_HUB_URL` is the default.
   * @defaultValue 'https://huggingface.co'
   */
  hubUrl?: string | URL;
  /**
   * Hub loads: a branch, tag or commit. A commit (40 hex digits) is never
   * revalidated: its files cannot change.
   * @defaultValue 'main'
   */
  revision?: string;
  /** Force a kernel by name (`'wasm_relaxed'` where it runs, `'wasm_simd128'`, `'ref'`); for tests. */
  kernel?: string;
  /**
   * Browsers: the URL of a folder holding the package's `dist/` files (the
   * `.wasm` modules, their `.mjs` glue, `indorerank-worker.mjs`), for a
   * bundler that does not emit them (esbuild) or to serve them from a CDN.
   * A {@link RerankerWorker} loads its worker and modules from there too. By
   * default each file is found with `new URL('../dist/…', import.meta.url)`,
   * which Vite, webpack, Parcel and Rollup (with an import.meta assets
   * plugin) rewrite to where they emitted it. Ignored in Node.
   */
  wasmBase?: string | URL;
}

/** A passage: its text, or an object carrying an id and metadata of the caller's. */
export type Passage = string | { text: string; id?: unknown; meta?: unknown };

/** Options of {@link Reranker.rerank}. */
export interface RerankOptions {
  /** Keep only the best `topK` results; 0 or absent keeps all. */
  topK?: number;
  /** Add each passage's text as `document`. */
  returnDocuments?: boolean;
  /**
   * Score a passage too long for `maxLength` in overlapping windows and keep
   * the best window (instead of cutting it); `chunks` says how many ran.
   */
  chunkLongPassages?: boolean;
  /** Tokens shared by neighbouring windows when chunking. @defaultValue 32 */
  chunkOverlap?: number;
}

/** One ranked passage. Results are sorted by score, best first; ties keep input order. */
export interface RerankResult<M = unknown> {
  /** Position of the passage in the input array. */
  index: number;
  /** The passage's `id` when given, else its index. */
  id: unknown;
  /** Relevance in [0, 1]: sigmoid of the logit. */
  score: number;
  /** The model's raw output. */
  logit: number;
  /** The pair did not fit `maxLength` and was cut. */
  truncated: boolean;
  /** Windows scored, when `chunkLongPassages` was set. */
  chunks?: number;
  /** The passage text, when `returnDocuments` was set. */
  document?: string;
  /** The passage's `meta` (the caller's own object), when given. */
  meta?: M;
}

/** The exact model input for one pair. */
export interface Encoding {
  /** `<s> query </s></s> passage </s>` as XLM-R ids. */
  inputIds: number[];
  truncated: boolean;
  queryTruncated: boolean;
  passageTruncated: boolean;
}

/** What runs, and how much memory it holds. */
export interface Info {
  backend: 'wasm' | 'onnxruntime-web';
  /**
   * The GEMM kernel: `'wasm_relaxed'` where the runtime computes relaxed SIMD's int8 dot exactly
   * (Chromium on x86 with VNNI, for one), else `'wasm_simd128'` (or `'ref'` when forced);
   * `'onnxruntime-web'` for that backend. Every kernel gives the same scores.
   */
  kernel: string;
  /** Engine threads running. */
  threads: number;
  /** `'pthreads'` when WebAssembly threads run, else `'single'`. */
  threadMode: 'single' | 'pthreads';
  /** Why this thread mode runs, in words (e.g. the page is not cross-origin isolated). */
  threadNote: string;
  maxLength: number;
  /** Bytes held for weights. */
  weightBytes: number;
  /** Size of the model file. */
  fileBytes: number;
  /** The working-memory cap. */
  memoryLimit: number;
  /** Working memory one `maxLength` pair needs. */
  minMemory: number;
  /** Largest working memory used so far (the engine's peak plus the tokenizer's bound for the longest text read). */
  peakBytes: number;
  /** Size of the WebAssembly memory of this reranker. */
  wasmMemoryBytes: number;
  config: {
    vocabSize: number;
    hiddenSize: number;
    numLayers: number;
    numHeads: number;
    intermediateSize: number;
    maxPositionEmbeddings: number;
  };
  /** Present and true on a {@link RerankerWorker}. */
  worker?: boolean;
  /** Where the model file keeps its parts (see {@link LoadOptions.lazy}); `blockRows` 0 for a file without blocks. */
  layout?: { headerBytes: number; headBytes: number; fileBytes: number; blockRows: number; blocks: number; rowBytes: number };
  /** Embedding blocks held in WebAssembly memory (all of them for a model loaded whole). */
  residentBlocks?: number;
  /** A model loaded by parts. */
  ranged?: {
    /** Bytes of the model file this reranker fetched from the network. */
    fetchedBytes: number;
    /** The whole file is in the model cache. */
    cached: boolean;
    /** The server could not be reached at load: only cached parts can be read. */
    offline: boolean;
    /** Why the background prefetch failed, if it did. */
    prefetchError: string | null;
  };
}

/** Rejections of this package; `TypeError` is used for arguments of the wrong type. */
export class IndorerankError extends Error {
  /**
   * Stable name of the failure: `invalid_argument`, `data_loss` (bad model
   * bytes, or a download whose sha256 differs from the server's),
   * `resource_exhausted` (memory cap, a text or call too large, the
   * WebAssembly module out of memory: the reranker stays usable), `not_found` (no such file, HTTP 404,
   * no such hub repo, a package file a bundler did not emit), `disposed`,
   * `fetch_failed` (the server could not be reached, an HTTP error, a
   * download that broke off), `unimplemented`, `aborted`, `internal`.
   */
  readonly code: string;
}

/** What {@link Reranker} and {@link RerankerWorker} both offer. */
export interface RerankerApi {
  /** Scores every passage against the query. Inputs are never modified. */
  rerank<M = unknown>(query: string, passages: ReadonlyArray<Passage>, options?: RerankOptions): Promise<RerankResult<M>[]>;
  /** The model input for one pair. */
  tokenize(query: string, passage: string): Promise<Encoding>;
  /** Logits of pre-tokenized id sequences, in input order (for parity checks and benchmarks). */
  scoreIds(sequences: ReadonlyArray<ReadonlyArray<number> | Int32Array>): Promise<number[]>;
  /**
   * Fetches what is left of a model loaded by parts into the model cache,
   * for offline use (see {@link LoadOptions.prefetch}). Resolves true once
   * the whole model is cached, false when there is no cache to fill; models
   * loaded whole resolve true at once.
   */
  prefetch(): Promise<boolean>;
  /** Kernel, threads, sizes and peak memory. */
  info(): Info;
  /** True after dispose(). */
  readonly disposed: boolean;
  /** Frees the model, its WebAssembly instance and threads; pending and later calls reject with code `disposed`. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * A loaded model. Each reranker owns its WebAssembly instance; calls run on
 * the calling thread (use {@link RerankerWorker} to keep a page responsive).
 * A failed call leaves the reranker usable.
 */
export declare class Reranker {
  private constructor();
  /** Loads a model (see {@link ModelSource}); rejects with a message saying what is wrong. */
  static load(source: ModelSource, options?: LoadOptions): Promise<Reranker>;
}
export interface Reranker extends RerankerApi {}

/**
 * The {@link Reranker} API with the model in a Web Worker (browsers) or a
 * worker thread (Node). Results carry the caller's own `id` and `meta`.
 * `info()` returns the figures as of the last finished call.
 */
export declare class RerankerWorker {
  private constructor();
  /** Starts a worker and loads the model in it; same arguments as {@link Reranker.load}. */
  static load(source: ModelSource, options?: LoadOptions): Promise<RerankerWorker>;
}
export interface RerankerWorker extends RerankerApi {}

/** How a {@link Bm25Index} scores. */
export interface Bm25Options {
  /** Term-frequency saturation, >= 0. Default 1.2. */
  k1?: number;
  /** Length normalisation, 0 (none) to 1 (full). Default 0.75. */
  b?: number;
  /** Reduce words with Snowball's Indonesian stemmer ("pembangunan" -> "bangun"). Default true. */
  stem?: boolean;
  /** Drop the project's Indonesian stopwords ("yang", "dan", "bagaimana", ...). Default true. */
  removeStopwords?: boolean;
}

/** One BM25 match. */
export interface Bm25Hit {
  /** The id the passage was added with. */
  id: string;
  /** Okapi BM25 score, > 0. */
  score: number;
}

/**
 * The BM25 first stage: an in-memory index of passages by id with Indonesian
 * analysis (Unicode words, lower case, stopwords, Snowball's Indonesian
 * stemmer) and Okapi BM25 scoring, the same code as the C++ core. The index
 * keeps ids, not texts: keep your own id -> text map to rerank the hits.
 * Methods are synchronous once the index exists.
 *
 * ```js
 * const index = await Bm25Index.create();
 * index.addAll(docs.map((d) => ({ id: d.id, text: d.text })));
 * const hits = index.search('syarat membuat paspor', { topK: 100 });
 * const ranked = await reranker.rerank('syarat membuat paspor', hits.map((h) => byId.get(h.id)));
 * ```
 */
export declare class Bm25Index {
  private constructor();
  /** A new empty index. */
  static create(options?: Bm25Options & Pick<LoadOptions, 'wasmBase'>): Promise<Bm25Index>;
  /** An index from {@link Bm25Index.serialize}'s bytes; rejects with code `data_loss` when they are not a snapshot. */
  static load(bytes: Uint8Array | ArrayBuffer | ArrayBufferView, options?: Pick<LoadOptions, 'wasmBase'>): Promise<Bm25Index>;
  /** Adds a passage; throws (code `invalid_argument`) when the id is already in the index. */
  add(id: string, text: string): void;
  /** Adds many passages, all or none (ids are checked first). */
  addAll(passages: ReadonlyArray<{ id: string; text: string }>): void;
  /** Removes a passage; false when the id is not in the index. */
  remove(id: string): boolean;
  has(id: string): boolean;
  /** Passages in the index. */
  readonly size: number;
  /** Distinct terms in the index. */
  readonly termCount: number;
  /** The options the index scores with. */
  readonly options: Required<Bm25Options>;
  /** The best `topK` (default 10; 0 = every match) passages, best first; ties keep insertion order. */
  search(query: string, options?: { topK?: number }): Bm25Hit[];
  /** The terms a text is indexed by. */
  analyze(text: string): string[];
  /** A snapshot (ids and term counts, not texts) for {@link Bm25Index.load}. */
  serialize(): Uint8Array;
  /** Frees the index; later calls throw (code `disposed`). */
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * Removes every model this package cached: its Cache API entries in
 * browsers, its cache folder in Node (`options.cacheDir` or the default).
 */
export function clearCache(options?: Pick<LoadOptions, 'cacheDir'>): Promise<void>;

/** Node: converts a Hugging Face model folder to one `.int8.safetensors` file. */
export function convert(hfDir: string, outPath: string): Promise<void>;

/**
 * Node: downloads (or revalidates) a hub model into the model cache, exactly
 * as `Reranker.load(repo, options)` would, and returns the path of its
 * `.int8.safetensors` file. Repos with a `model.int8.safetensors` (written by
 * `indorerank convert`) download that (~118 MB for the reference model);
 * others download the Hugging Face checkpoint (`config.json`,
 * `sentencepiece.bpe.model`, `model.safetensors`, ~470 MB in fp32) and
 * convert it once (`Reranker.load` does the same in browsers). Rejects with
 * `not_found` when the repo has neither.
 */
export function fetchModel(repo: string, options?: Pick<LoadOptions, 'hubUrl' | 'revision' | 'cacheDir' | 'onProgress'>): Promise<string>;
