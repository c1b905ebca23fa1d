/* indorerank C API: rerank Indonesian passages with an int8 cross-encoder.
 *
 * Basic usage:
 *
 *   #include <indorerank/indorerank.h>
 *
 *   ir_load_params params = ir_load_default_params();   // max_length 256, 1 thread
 *   ir_reranker* r = NULL;
 *   if (ir_load("rerank-indonesia.int8.safetensors", &params, &r) != IR_OK) {
 *     fprintf(stderr, "%s\n", ir_last_error());
 *     return 1;
 *   }
 *   const char* passages[] = {"Jakarta adalah ibu kota Indonesia.", "Rendang dari Padang."};
 *   ir_result results[2];
 *   size_t n = 0;
 *   if (ir_rerank(r, "ibu kota indonesia", passages, 2, NULL, results, &n) == IR_OK)
 *     printf("best: %zu (%.3f)\n", results[0].index, results[0].score);
 *   ir_free(r);
 *
 * Errors: every function returns an ir_status; on failure ir_last_error()
 * gives a message for the calling thread, valid until that thread's next call.
 * Ownership: the caller owns every buffer it passes; the library copies what
 * it keeps. An ir_reranker may be used from several threads (calls are
 * serialized); free it exactly once with ir_free().
 * Text: UTF-8, NUL-terminated; invalid bytes read as U+FFFD.
 */
#ifndef INDORERANK_H_
#define INDORERANK_H_

#include <stddef.h>
#include <stdint.h>

#include "indorerank/export.h"

#ifdef __cplusplus
extern "C" {
#endif
INDORERANK_API_BEGIN

typedef enum ir_status {
  IR_OK = 0,
  IR_INVALID_ARGUMENT = 1,
  IR_NOT_FOUND = 2,
  IR_DATA_LOSS = 3,          /* model file truncated, corrupted or not a model */
  IR_RESOURCE_EXHAUSTED = 4, /* memory_limit too small */
  IR_FAILED_PRECONDITION = 5,
  IR_UNIMPLEMENTED = 6,      /* e.g. a kernel this CPU lacks */
  IR_INTERNAL = 7,
  IR_IO_ERROR = 8
} ir_status;

typedef struct ir_reranker ir_reranker;

typedef struct ir_load_params {
  int32_t max_length;    /* tokens per pair incl. 4 special tokens, 8..512 (256) */
  uint64_t memory_limit; /* bytes of working memory, hard cap (256 MiB) */
  int32_t threads;       /* engine threads; 0 = one per hardware thread (1) */
  const char* kernel;    /* NULL or "" = best for this CPU; or "ref", "avx2", ... */
} ir_load_params;

typedef struct ir_rerank_params {
  size_t top_k;                /* keep the best top_k results; 0 keeps all (0) */
  int32_t chunk_long_passages; /* 1: score passages longer than max_length in
                                  overlapping windows, keep the best (0) */
  int32_t chunk_overlap;       /* tokens shared by neighbouring windows (32) */
} ir_rerank_params;

typedef struct ir_result {
  size_t index;      /* position of the passage in the input */
  float score;       /* sigmoid(logit), 0..1 */
  float logit;
  int32_t truncated; /* 1 when the passage was cut to fit max_length */
  int32_t chunks;    /* windows scored: > 1 only when chunking a long passage */
} ir_result;

/** Defaults as documented on ir_load_params. */
ir_load_params ir_load_default_params(void);
/** Defaults as documented on ir_rerank_params. */
ir_rerank_params ir_rerank_default_params(void);

/** Loads a model file; *out receives a reranker to release with ir_free. */
ir_status ir_load(const char* path, const ir_load_params* params, ir_reranker** out);
/** Loads a model from memory (copied). */
ir_status ir_load_from_bytes(const uint8_t* data, size_t size, const ir_load_params* params, ir_reranker** out);
void ir_free(ir_reranker* r);

/** Scores `count` passages and writes results best first into `results`
 * (room for `count`, or for top_k when 0 < top_k < count); *written receives
 * how many were written. params may be NULL for the defaults. */
ir_status ir_rerank(ir_reranker* r, const char* query, const char* const* passages, size_t count,
                    const ir_rerank_params* params, ir_result* results, size_t* written);

/** Writes the model input ids of one pair into ids (capacity `capacity`;
 * max_length always suffices); *len receives the count. */
ir_status ir_tokenize(ir_reranker* r, const char* query, const char* passage, int32_t* ids, size_t capacity,
                      size_t* len, int32_t* truncated);

/** The kernel in use ("avx2", "ref", ...); valid while r lives. */
const char* ir_kernel_name(const ir_reranker* r);
/** Largest working memory used so far, in bytes. */
uint64_t ir_peak_bytes(const ir_reranker* r);

/* ---- BM25 first stage ----------------------------------------------------
 * An in-memory index of passages by id with Indonesian analysis (Snowball's
 * Indonesian stemmer, the project's stopwords) and Okapi BM25; see
 * indorerank/bm25.hpp for the analysis and the formula. The index keeps ids,
 * not texts. Searching may run on several threads at once; adding and
 * removing need exclusive access.
 *
 *   ir_bm25* ix = NULL;
 *   ir_bm25_new(NULL, &ix);
 *   ir_bm25_add(ix, "p1", "Pembuatan paspor bisa diantre secara daring.");
 *   ir_bm25_hits* hits = NULL;
 *   if (ir_bm25_search(ix, "membuat paspor", 10, &hits) == IR_OK)
 *     for (size_t i = 0; i < ir_bm25_hits_count(hits); ++i)
 *       printf("%s %.3f\n", ir_bm25_hits_id(hits, i), ir_bm25_hits_score(hits, i));
 *   ir_bm25_hits_free(hits);
 *   ir_bm25_free(ix);
 */
typedef struct ir_bm25 ir_bm25;
typedef struct ir_bm25_hits ir_bm25_hits;

typedef struct ir_bm25_params {
  double k1;                /* term-frequency saturation, >= 0 (1.2) */
  double b;                 /* length normalisation, 0..1 (0.75) */
  int32_t stem;             /* 1: Snowball Indonesian stemmer (1) */
  int32_t remove_stopwords; /* 1: drop Indonesian stopwords (1) */
} ir_bm25_params;

/** Defaults as documented on ir_bm25_params. */
ir_bm25_params ir_bm25_default_params(void);
/** A new empty index; params may be NULL for the defaults. Free with ir_bm25_free. */
ir_status ir_bm25_new(const ir_bm25_params* params, ir_bm25** out);
void ir_bm25_free(ir_bm25* index);
/** Adds a passage; IR_INVALID_ARGUMENT when the id is empty or already present. */
ir_status ir_bm25_add(ir_bm25* index, const char* id, const char* text);
/** Removes a passage; IR_NOT_FOUND when the id is not in the index. */
ir_status ir_bm25_remove(ir_bm25* index, const char* id);
/** Passages in the index. */
size_t ir_bm25_size(const ir_bm25* index);
/** The best top_k passages (0: all that match), best first, into *out, which
 * the caller frees with ir_bm25_hits_free. */
ir_status ir_bm25_search(const ir_bm25* index, const char* query, size_t top_k, ir_bm25_hits** out);
size_t ir_bm25_hits_count(const ir_bm25_hits* hits);
/** Id of hit i (< count); valid until ir_bm25_hits_free. */
const char* ir_bm25_hits_id(const ir_bm25_hits* hits, size_t i);
double ir_bm25_hits_score(const ir_bm25_hits* hits, size_t i);
void ir_bm25_hits_free(ir_bm25_hits* hits);
/** Writes a snapshot (see Bm25Index::serialize) into buffer when capacity
 * suffices; *size always receives the snapshot's size, so a first call with
 * capacity 0 asks for it (and returns IR_RESOURCE_EXHAUSTED). */
ir_status ir_bm25_serialize(const ir_bm25* index, uint8_t* buffer, size_t capacity, size_t* size);
/** An index from a snapshot; IR_DATA_LOSS with the reason when it is not one. */
ir_status ir_bm25_load(const uint8_t* data, size_t size, ir_bm25** out);

/** Message of the calling thread's last failure ("" when none). */
const char* ir_last_error(void);
/** Short name of a status, e.g. "data_loss". */
const char* ir_status_name(ir_status s);

INDORERANK_API_END
#ifdef __cplusplus
}
#endif

#endif /* INDORERANK_H_ */
