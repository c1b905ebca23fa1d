// Appended to the generated glue: lets the JS package stop the pthread
// workers of a disposed reranker (a no-op in the single-thread build).
Module['terminateThreads'] = function () {
  if (typeof PThread !== 'undefined') PThread.terminateAllThreads();
};
