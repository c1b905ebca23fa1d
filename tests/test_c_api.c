/* The C API, compiled as C: loads the tiny fixture, ranks, tokenizes, runs
 * the BM25 index, and checks that errors come back as codes with messages. */
#include <indorerank/indorerank.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0, checks = 0;
#define CHECK(cond)                                               \
  do {                                                            \
    ++checks;                                                     \
    if (!(cond)) {                                                \
      ++failures;                                                 \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                             \
  } while (0)

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_c_api MODEL\n");
    return 2;
  }
  ir_load_params p = ir_load_default_params();
  CHECK(p.max_length == 256);
  ir_reranker* r = NULL;
  CHECK(ir_load("/nonexistent.int8.safetensors", &p, &r) == IR_NOT_FOUND);
  CHECK(r == NULL);
  CHECK(strlen(ir_last_error()) > 0);
  p.memory_limit = 1000;
  CHECK(ir_load(argv[1], &p, &r) == IR_RESOURCE_EXHAUSTED);
  CHECK(strstr(ir_last_error(), "too small") != NULL);
  p = ir_load_default_params();
  CHECK(ir_load(argv[1], &p, &r) == IR_OK);
  CHECK(r != NULL);
  if (!r) return 1;
  CHECK(strlen(ir_kernel_name(r)) > 0);

  const char* passages[] = {"Jakarta adalah ibu kota Indonesia.", "Rendang berasal dari Sumatera Barat.",
                            "Harga beras naik di pasar tradisional."};
  ir_result res[3];
  size_t n = 0;
  CHECK(ir_rerank(r, "harga beras", passages, 3, NULL, res, &n) == IR_OK);
  CHECK(n == 3);
  CHECK(res[0].logit >= res[1].logit && res[1].logit >= res[2].logit);
  CHECK(res[0].score > 0.0f && res[0].score < 1.0f);
  ir_rerank_params rp = ir_rerank_default_params();
  CHECK(rp.top_k == 0 && rp.chunk_long_passages == 0 && rp.chunk_overlap == 32);
  rp.top_k = 1;
  CHECK(ir_rerank(r, "harga beras", passages, 3, &rp, res, &n) == IR_OK);
  CHECK(n == 1);
  CHECK(res[0].chunks == 1);
  CHECK(ir_peak_bytes(r) > 0);

  int32_t ids[256];
  size_t len = 0;
  int32_t truncated = -1;
  CHECK(ir_tokenize(r, "harga", "beras", ids, 256, &len, &truncated) == IR_OK);
  CHECK(len >= 5 && ids[0] == 0 && ids[len - 1] == 2 && truncated == 0);
  CHECK(ir_tokenize(r, "harga", "beras", ids, 2, &len, &truncated) == IR_INVALID_ARGUMENT);
  CHECK(ir_rerank(r, NULL, passages, 3, NULL, res, &n) == IR_INVALID_ARGUMENT);
  rp = ir_rerank_default_params();
  rp.chunk_long_passages = 1;
  rp.chunk_overlap = -1;
  CHECK(ir_rerank(r, "harga beras", passages, 3, &rp, res, &n) == IR_INVALID_ARGUMENT);

  /* A long passage is scored in windows when asked, cut otherwise. */
  ir_free(r);
  p = ir_load_default_params();
  p.max_length = 32;
  CHECK(ir_load(argv[1], &p, &r) == IR_OK);
  if (!r) return 1;
  char long_passage[4096] = "";
  for (int i = 0; i < 20; ++i) strcat(long_passage, "Pemerintah daerah memperbaiki jalan desa. ");
  const char* one[] = {long_passage};
  CHECK(ir_rerank(r, "jalan desa", one, 1, NULL, res, &n) == IR_OK);
  CHECK(res[0].truncated == 1 && res[0].chunks == 1);
  rp = ir_rerank_default_params();
  rp.chunk_long_passages = 1;
  rp.chunk_overlap = 4;
  CHECK(ir_rerank(r, "jalan desa", one, 1, &rp, res, &n) == IR_OK);
  CHECK(res[0].truncated == 0 && res[0].chunks > 1);
  rp.chunk_overlap = 1000;
  CHECK(ir_rerank(r, "jalan desa", one, 1, &rp, res, &n) == IR_INVALID_ARGUMENT);
  CHECK(strstr(ir_last_error(), "chunk_overlap") != NULL);
  CHECK(strcmp(ir_status_name(IR_DATA_LOSS), "data_loss") == 0);
  ir_free(r);

  /* BM25: add, search, remove, snapshot, errors. */
  ir_bm25_params bp = ir_bm25_default_params();
  CHECK(bp.k1 == 1.2 && bp.b == 0.75 && bp.stem == 1 && bp.remove_stopwords == 1);
  bp.b = 2.0;
  ir_bm25* ix = NULL;
  CHECK(ir_bm25_new(&bp, &ix) == IR_INVALID_ARGUMENT && ix == NULL);
  CHECK(strstr(ir_last_error(), "0 <= b <= 1") != NULL);
  CHECK(ir_bm25_new(NULL, &ix) == IR_OK && ix != NULL);
  if (!ix) return 1;
  CHECK(ir_bm25_add(ix, "paspor", "Pembuatan paspor bisa diantre secara daring.") == IR_OK);
  CHECK(ir_bm25_add(ix, "rendang", "Rendang berasal dari Sumatera Barat.") == IR_OK);
  CHECK(ir_bm25_add(ix, "ktp", "Perekaman KTP elektronik dilakukan di kantor kecamatan.") == IR_OK);
  CHECK(ir_bm25_add(ix, "paspor", "lagi") == IR_INVALID_ARGUMENT);
  CHECK(ir_bm25_size(ix) == 3);
  ir_bm25_hits* hits = NULL;
  CHECK(ir_bm25_search(ix, "membuat paspor baru", 10, &hits) == IR_OK);
  CHECK(ir_bm25_hits_count(hits) == 1);
  CHECK(strcmp(ir_bm25_hits_id(hits, 0), "paspor") == 0 && ir_bm25_hits_score(hits, 0) > 0.0);
  CHECK(strcmp(ir_bm25_hits_id(hits, 5), "") == 0);
  ir_bm25_hits_free(hits);
  CHECK(ir_bm25_remove(ix, "paspor") == IR_OK);
  CHECK(ir_bm25_remove(ix, "paspor") == IR_NOT_FOUND);
  size_t need = 0;
  CHECK(ir_bm25_serialize(ix, NULL, 0, &need) == IR_RESOURCE_EXHAUSTED && need > 8);
  uint8_t* snap = (uint8_t*)malloc(need);
  size_t got = 0;
  CHECK(ir_bm25_serialize(ix, snap, need, &got) == IR_OK && got == need);
  ir_bm25* back = NULL;
  CHECK(ir_bm25_load(snap, need, &back) == IR_OK && ir_bm25_size(back) == 2);
  CHECK(ir_bm25_search(back, "kartu tanda penduduk KTP", 0, &hits) == IR_OK);
  CHECK(ir_bm25_hits_count(hits) == 1 && strcmp(ir_bm25_hits_id(hits, 0), "ktp") == 0);
  ir_bm25_hits_free(hits);
  ir_bm25_free(back);
  back = NULL;
  CHECK(ir_bm25_load(snap, need - 1, &back) == IR_DATA_LOSS && back == NULL);
  CHECK(strstr(ir_last_error(), "truncated") != NULL);
  free(snap);
  ir_bm25_free(ix);

  printf("%d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
