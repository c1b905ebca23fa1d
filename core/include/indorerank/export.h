/* Symbol visibility of the public API. The library is built with hidden
 * visibility by default (-fvisibility=hidden), so libindorerank.so exports
 * only what the public headers declare between INDORERANK_API_BEGIN and
 * INDORERANK_API_END: the C API (ir_*) and the C++ API (indorerank::Reranker,
 * Bm25Index, Status and the types they use). */
#ifndef INDORERANK_EXPORT_H_
#define INDORERANK_EXPORT_H_

#if defined(__GNUC__) || defined(__clang__)
#define INDORERANK_API_BEGIN _Pragma("GCC visibility push(default)")
#define INDORERANK_API_END _Pragma("GCC visibility pop")
#define INDORERANK_HIDDEN __attribute__((visibility("hidden")))
#else
#define INDORERANK_API_BEGIN
#define INDORERANK_API_END
#define INDORERANK_HIDDEN
#endif

#endif /* INDORERANK_EXPORT_H_ */
