"""libindorerank.so exports the public API and nothing else (core/libindorerank.map).

Run by ctest as: /usr/bin/python3 tests/cli/test_exports.py path/to/libindorerank.so
"""
import re
import subprocess
import sys
import unittest

LIB = None
PUBLIC = re.compile(r"^(ir_\w+|indorerank::(Reranker|Bm25Index|Status)::.*|indorerank::(status_code_name|analyze|"
                    r"stopwords|sigmoid|convert_hf_model|convert_hf_model_bytes|best_kernel_name|available_kernels)"
                    r"(\[abi:cxx11\])?\(.*)$")


class Exports(unittest.TestCase):
    def test_only_the_public_api(self):
        out = subprocess.run(["nm", "-DC", "--defined-only", LIB], capture_output=True, text=True, check=True).stdout
        names = [line.split(" ", 2)[2] for line in out.splitlines() if line.count(" ") >= 2]
        self.assertGreater(len(names), 20)
        self.assertEqual([n for n in names if not PUBLIC.match(n)], [])
        for want in ("ir_load", "ir_rerank", "ir_free", "ir_last_error", "ir_bm25_new"):
            self.assertIn(want, names)
        self.assertTrue(any(n.startswith("indorerank::Reranker::load(") for n in names))
        self.assertFalse(any("::ops::" in n or "json::" in n or "Impl::" in n for n in names))


if __name__ == "__main__":
    LIB = sys.argv[1]
    unittest.main(argv=[sys.argv[0], "-v"])
