"""`indorerank serve`: the rerank HTTP API, its limits, concurrency and shutdown.

Run by ctest as: /usr/bin/python3 tests/cli/test_serve.py CLI FIXTURES_DIR
Everything talks to 127.0.0.1 on a port the server picks (--port 0).
"""
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import serve_process

CLI = FIXTURES = None
MAX_BODY = 65536
MAX_DOCS = 20
MAX_CHARS = 2000

DOCS = [
    "Jakarta adalah ibu kota Indonesia.",
    "Rendang berasal dari Sumatera Barat.",
    "Harga beras di pasar naik minggu ini.",
    "Kereta api berangkat dari Stasiun Gambir pukul tujuh pagi. " * 30,
    "Petani di Jawa Tengah memanen padi lebih awal tahun ini.",
    "Bank Indonesia menahan suku bunga acuan.",
]


def start_server(*extra):
    return serve_process.start(CLI, os.path.join(FIXTURES, "tiny.int8.safetensors"), "--host", "127.0.0.1",
                               "--max-length", "64", "--max-body-bytes", str(MAX_BODY), "--max-documents",
                               str(MAX_DOCS), "--max-document-chars", str(MAX_CHARS), *extra)


class Server(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc, cls.port = start_server("--workers", "2", "--threads", "1")

    @classmethod
    def tearDownClass(cls):
        serve_process.stop(cls.proc)

    def request(self, method, path, body=None, headers=None, raw=False):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            if body is not None and not isinstance(body, (bytes, str)) and not raw:
                body = json.dumps(body, ensure_ascii=False).encode()
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return r.status, json.loads(data) if data else None
        finally:
            conn.close()

    def rerank(self, body):
        return self.request("POST", "/v1/rerank", body, {"Content-Type": "application/json"})

    def assert_error(self, status, body, want_status):
        self.assertEqual(status, want_status, body)
        self.assertEqual(set(body), {"error"})
        self.assertIsInstance(body["error"]["message"], str)
        self.assertIsInstance(body["error"]["type"], str)
        self.assertTrue(body["error"]["message"])

    def rank_cli(self, query, docs, *extra):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            for i, d in enumerate(docs):
                f.write(json.dumps({"id": i, "text": d}, ensure_ascii=False) + "\n")
        try:
            r = subprocess.run([CLI, "rank", "-m", os.path.join(FIXTURES, "tiny.int8.safetensors"), "-q", query,
                                "--passages", f.name, "--json", "--max-length", "64", *extra],
                               capture_output=True, timeout=300)
        finally:
            os.unlink(f.name)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return json.loads(r.stdout)["results"]

    # --- valid requests ---------------------------------------------------
    def test_results_equal_rank_json(self):
        status, out = self.rerank({"query": "harga beras", "documents": DOCS})
        self.assertEqual(status, 200, out)
        self.assertEqual(set(out), {"id", "model", "object", "results", "usage", "meta"})
        cli = self.rank_cli("harga beras", DOCS)
        self.assertEqual([(x["index"], x["relevance_score"], x["truncated"]) for x in out["results"]],
                         [(x["index"], x["score"], x["truncated"]) for x in cli])
        for x in out["results"]:
            self.assertEqual(set(x), {"index", "relevance_score", "truncated"})
        self.assertEqual([x["truncated"] for x in out["results"] if x["index"] == 3], [True])
        self.assertEqual(out["usage"]["documents"], len(DOCS))
        self.assertEqual(out["usage"]["truncated_documents"], 1)

    def test_top_n_and_return_documents(self):
        status, out = self.rerank({"query": "harga beras", "documents": DOCS, "top_n": 2, "return_documents": True,
                                   "model": "anything"})
        self.assertEqual(status, 200, out)
        cli = self.rank_cli("harga beras", DOCS, "--top-k", "2")
        self.assertEqual([x["index"] for x in out["results"]], [x["index"] for x in cli])
        for x in out["results"]:
            self.assertEqual(x["document"], {"text": DOCS[x["index"]]})
        status, out = self.rerank({"query": "harga beras", "documents": DOCS, "top_n": 100})
        self.assertEqual((status, len(out["results"])), (200, len(DOCS)))

    def test_object_documents_match_strings(self):
        objs = [{"text": d, "id": i} for i, d in enumerate(DOCS)]
        objs[1] = DOCS[1]  # strings and objects may be mixed
        _, plain = self.rerank({"query": "ibu kota", "documents": DOCS})
        status, out = self.rerank({"query": "ibu kota", "documents": objs, "return_documents": True})
        self.assertEqual(status, 200, out)
        self.assertEqual([(x["index"], x["relevance_score"]) for x in out["results"]],
                         [(x["index"], x["relevance_score"]) for x in plain["results"]])
        self.assertEqual(out["results"][0]["document"], {"text": DOCS[out["results"][0]["index"]]})

    def test_empty_documents(self):
        status, out = self.rerank({"query": "apa", "documents": []})
        self.assertEqual((status, out["results"]), (200, []))

    def test_health(self):
        status, out = self.request("GET", "/health")
        self.assertEqual(status, 200, out)
        self.assertEqual(out["status"], "ok")
        self.assertIsInstance(out["kernel"], str)
        self.assertEqual(out["workers"], 2)
        # --memory-limit is the engine's default (256 MiB, split over the workers) plus the request memory.
        self.assertEqual(out["memory_limit_per_worker"] * 2 + out["request_memory"], out["memory_limit"])
        self.assertEqual(out["request_memory"], 64 << 20)
        self.assertLessEqual({"max_body_bytes": MAX_BODY, "max_documents": MAX_DOCS,
                              "max_document_chars": MAX_CHARS}.items(), out["limits"].items())

    # --- errors -------------------------------------------------------------
    def test_malformed_json(self):
        for body in [b"{bad", b"", b"[1, 2", "\u00ff".encode("latin-1"), b'{"query": "a", "documents": []} x']:
            self.assert_error(*self.rerank(body), 400)

    def test_wrong_types(self):
        for body in [[], "str", {"documents": DOCS}, {"query": "q"}, {"query": 1, "documents": DOCS},
                     {"query": "q", "documents": "abc"}, {"query": "q", "documents": [1]},
                     {"query": "q", "documents": [{"title": "x"}]}, {"query": "q", "documents": [{"text": 5}]},
                     {"query": "q", "documents": DOCS, "top_n": "2"},
                     {"query": "q", "documents": DOCS, "return_documents": "yes"},
                     {"query": "q", "documents": DOCS, "model": 3}]:
            self.assert_error(*self.rerank(body), 400)

    def test_top_n_invalid(self):
        for n in [0, -1, 1.5]:
            self.assert_error(*self.rerank({"query": "q", "documents": DOCS, "top_n": n}), 422)

    def test_body_too_large(self):
        big = {"query": "q", "documents": ["a" * 1000] * 100}  # ~100 KB > 64 KiB
        self.assert_error(*self.rerank(big), 413)
        # The same without Content-Length (chunked) is cut off at the limit too;
        # the server may answer and hang up before the client has sent it all.
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        try:
            sock.sendall(b"POST /v1/rerank HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                         b"Content-Type: application/json\r\n\r\n")
            try:
                for _ in range(40):
                    sock.sendall(b"1000\r\n" + b"a" * 4096 + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/1.1 413"), head)
            length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
            while len(rest) < length:
                rest += sock.recv(65536)
            self.assert_error(413, json.loads(rest[:length]), 413)
        finally:
            sock.close()

    def test_too_many_documents_and_too_long(self):
        self.assert_error(*self.rerank({"query": "q", "documents": ["x"] * (MAX_DOCS + 1)}), 422)
        self.assert_error(*self.rerank({"query": "q", "documents": ["ok", "é" * (MAX_CHARS + 1)]}), 422)
        self.assert_error(*self.rerank({"query": "q" * (MAX_CHARS + 1), "documents": ["ok"]}), 422)
        status, _ = self.rerank({"query": "q", "documents": ["a" * MAX_CHARS] * MAX_DOCS})  # at the limits: fine
        self.assertEqual(status, 200)

    def test_unknown_path_and_wrong_method(self):
        self.assert_error(*self.request("GET", "/v2/nothing"), 404)
        self.assert_error(*self.request("POST", "/v1/rerankx", {}), 404)
        self.assert_error(*self.request("GET", "/v1/rerank"), 405)
        self.assert_error(*self.request("DELETE", "/v1/rerank"), 405)
        self.assert_error(*self.request("POST", "/health", {}), 405)

    # --- concurrency --------------------------------------------------------
    def test_concurrent_clients(self):
        queries = ["harga beras", "ibu kota", "kereta api", "suku bunga", "rendang", "padi", "pasar", "bank"]
        variants = []
        for i, q in enumerate(queries):
            docs = DOCS[i % 3:] + DOCS[:i % 3]
            variants.append({"query": q, "documents": docs, "top_n": 1 + i % len(docs), "return_documents": i % 2 == 0})
        expected = []
        for v in variants:
            status, out = self.rerank(v)
            self.assertEqual(status, 200)
            expected.append(out["results"])
        errors, done = [], []
        lock = threading.Lock()

        def client(t):
            for k in range(25):  # 8 clients x 25 = 200 requests
                i = (t + k) % len(variants)
                try:
                    status, out = self.rerank(variants[i])
                    ok = status == 200 and out["results"] == expected[i]
                except Exception as e:  # noqa: BLE001 - any failure is a test failure
                    ok, out = False, repr(e)
                with lock:
                    (done if ok else errors).append(out)

        threads = [threading.Thread(target=client, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(done), 200)
        self.assertIsNone(self.proc.poll())
        self.assertEqual(self.request("GET", "/health")[0], 200)


class Shutdown(unittest.TestCase):
    def test_sigterm_and_sigint_stop_cleanly(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            proc, port = start_server()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/health")
            self.assertEqual(conn.getresponse().status, 200)
            conn.close()
            proc.send_signal(sig)
            rc = proc.wait(timeout=30)
            err = proc.stderr.read().decode()
            proc.stdout.close()
            proc.stderr.close()
            self.assertEqual(rc, 0, err)
            self.assertIn("stopped", err)

    def test_bad_options(self):
        r = subprocess.run([CLI, "serve", "-m", os.path.join(FIXTURES, "tiny.int8.safetensors"), "--workers", "0"],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 2)
        r = subprocess.run([CLI, "serve", "-m", "/nonexistent.int8.safetensors", "--port", "0"],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"nonexistent", r.stderr)


if __name__ == "__main__":
    CLI, FIXTURES = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
