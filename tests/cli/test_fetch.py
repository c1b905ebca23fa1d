"""`indorerank fetch` against a hub served here on 127.0.0.1.

Run by ctest as: /usr/bin/python3 tests/cli/test_fetch.py CLI FIXTURES_DIR

The test hub serves FIXTURES_DIR/tiny as {base}/test/tiny/resolve/main/{file}
the way the real hub does: model.safetensors (an LFS file) is a 302 whose
X-Linked-Etag is the sha256, to a storage URL that honours Range. It can drop
a connection mid-file once, ignore Range (answer 200), or serve a corrupted
file under the real sha256.
"""
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

import terminal

CLI = FIXTURES = None


class Hub(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root):
        super().__init__(("127.0.0.1", 0), HubHandler)
        self.root = root
        self.log = []  # (path, Range header or None)
        self.drop_once = set()  # files whose next full body is cut in half
        self.corrupt = set()
        self.html = set()  # files answered with a proxy's HTML page (200, no checksum)
        self.short_total = False  # a 206 whose Content-Range total is smaller than the range start
        self.ignore_range = False
        self.lock = threading.Lock()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class HubHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json_error(self, code):
        body = b'{"error": "not found"}'
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        hub = self.server
        with hub.lock:
            hub.log.append((self.path, self.headers.get("Range")))
        m = re.fullmatch(r"/test/(tiny|noonnx)/resolve/main/(.+)", self.path)
        lfs = re.fullmatch(r"/lfs/(tiny|noonnx)/(.+)", self.path)
        repo, name = (m or lfs).groups() if (m or lfs) else (None, None)
        path = os.path.join(hub.root, name) if name else None
        if not path or not os.path.isfile(path) or (repo == "noonnx" and name.startswith("onnx/")):
            return self.send_json_error(404)
        if name in hub.html and not lfs:
            body = b"<!DOCTYPE html><html><body>Proxy authentication required</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        with open(path, "rb") as f:
            data = f.read()
        sha = hashlib.sha256(data).hexdigest()
        if m and name == "model.safetensors":  # LFS: redirect to storage, sha256 in X-Linked-Etag
            self.send_response(302)
            self.send_header("Location", "/lfs/%s/%s" % (repo, name))
            self.send_header("X-Linked-Etag", '"%s"' % sha)
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if name in hub.corrupt:
            data = bytearray(data)
            data[len(data) // 2] ^= 0xFF
            data = bytes(data)
        # Non-LFS files carry a git-style (sha1) etag, which is not a sha256.
        etag = sha if lfs or name.endswith(".onnx") else hashlib.sha1(data).hexdigest()
        start = 0
        rng = self.headers.get("Range")
        if rng and hub.short_total:
            start = int(re.fullmatch(r"bytes=(\d+)-", rng).group(1))
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, start, len(data)))
            self.send_header("Content-Length", "1")
            self.end_headers()
            self.wfile.write(b"x")
            return
        if rng and not hub.ignore_range:
            start = int(re.fullmatch(r"bytes=(\d+)-", rng).group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        self.send_header("ETag", '"%s"' % etag)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        body = data[start:]
        with hub.lock:
            drop = name in hub.drop_once
            hub.drop_once.discard(name)
        if drop:
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(body)


class Fetch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hub = Hub(os.path.join(FIXTURES, "tiny"))
        threading.Thread(target=cls.hub.serve_forever, daemon=True).start()
        cls.tmp = tempfile.mkdtemp(prefix="indorerank-fetch-")
        # The reference: `indorerank convert` on the same folder.
        cls.reference = os.path.join(cls.tmp, "reference.int8.safetensors")
        r = subprocess.run([CLI, "convert", os.path.join(FIXTURES, "tiny"), cls.reference], capture_output=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.hub.shutdown()
        cls.hub.server_close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        with self.hub.lock:
            self.hub.log.clear()
            self.hub.drop_once.clear()
            self.hub.corrupt.clear()
            self.hub.html.clear()
            self.hub.short_total = False
            self.hub.ignore_range = False

    def fetch(self, *args, env_url=None):
        env = dict(os.environ)
        # Never let a test fall back to the default hub.
        env["INDORERANK_HUB_URL"] = env_url or "http://127.0.0.1:9"
        return subprocess.run([CLI, "fetch", *args], capture_output=True, timeout=300, env=env)

    def new_dir(self, name):
        d = os.path.join(self.tmp, name)
        shutil.rmtree(d, ignore_errors=True)
        return d

    def assert_same_file(self, a, b):
        with open(a, "rb") as fa, open(b, "rb") as fb:
            self.assertTrue(fa.read() == fb.read(), "%s differs from %s" % (a, b))

    def assert_complete(self, d, onnx=True):
        for f in ["config.json", "model.safetensors", "sentencepiece.bpe.model"] + (["onnx/model.onnx"] if onnx else []):
            self.assert_same_file(os.path.join(d, f), os.path.join(FIXTURES, "tiny", f))
        self.assert_same_file(os.path.join(d, "model.int8.safetensors"), self.reference)
        leftovers = [f for _, _, fs in os.walk(d) for f in fs if f.endswith(".part")]
        self.assertEqual(leftovers, [])

    def test_full_fetch_equals_convert(self):
        d = self.new_dir("full")
        r = self.fetch("test/tiny", "--dir", d, "--base-url", self.hub.url)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assert_complete(d)
        self.assertEqual(r.stdout.decode().strip(), os.path.join(d, "model.int8.safetensors"))
        self.assertFalse(os.path.exists(os.path.join(d, "onnx", "model_fp32.onnx")))
        # stderr is not a terminal here: plain progress lines, no carriage returns.
        self.assertIn(b"model.safetensors: 100%", r.stderr)
        self.assertNotIn(b"\r", r.stderr)
        # A second run finds everything in place and downloads nothing.
        n = len(self.hub.log)
        r = self.fetch("test/tiny", "--dir", d, "--base-url", self.hub.url)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(len(self.hub.log), n)

    def test_base_url_from_environment_and_missing_optional_onnx(self):
        d = self.new_dir("env")
        r = self.fetch("test/noonnx", "--dir", d, env_url=self.hub.url + "/")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assert_complete(d, onnx=False)
        self.assertFalse(os.path.exists(os.path.join(d, "onnx", "model.onnx")))
        self.assertIn(b"optional", r.stderr)

    def test_resume_after_dropped_connection(self):
        d = self.new_dir("drop")
        self.hub.drop_once.add("model.safetensors")
        r = self.fetch("test/tiny", "--dir", d, "--base-url", self.hub.url)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assert_complete(d)
        ranges = [rng for p, rng in self.hub.log if p == "/lfs/tiny/model.safetensors"]
        self.assertEqual(ranges[0], None)
        half = os.path.getsize(os.path.join(FIXTURES, "tiny", "model.safetensors")) // 2
        self.assertEqual(ranges[1:], ["bytes=%d-" % half])
        self.assertIn(b"resuming", r.stderr)

    def test_resume_partial_file_from_earlier_run(self):
        d = self.new_dir("part")
        os.makedirs(d)
        src = os.path.join(FIXTURES, "tiny", "model.safetensors")
        with open(src, "rb") as f, open(os.path.join(d, "model.safetensors.part"), "wb") as out:
            out.write(f.read(1000))
        r = self.fetch("test/tiny", "--dir", d, "--base-url", self.hub.url)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assert_complete(d)
        self.assertIn(("/lfs/tiny/model.safetensors", "bytes=1000-"), self.hub.log)

    def test_server_that_ignores_range_restarts(self):
        d = self.new_dir("norange")
        os.makedirs(d)
        with open(os.path.join(d, "model.safetensors.part"), "wb") as out:
            out.write(b"\0" * 1000)  # not even the right bytes: a 200 must replace them
        self.hub.ignore_range = True
        r = self.fetch("test/tiny", "--dir", d, "--base-url", self.hub.url)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assert_complete(d)
        self.assertIn(b"ignored the range request", r.stderr)

    def test_corrupted_file_is_rejected(self):
        d = self.new_dir("corrupt")
        self.hub.corrupt.add("model.safetensors")
        r = self.fetch("test/tiny", "--dir", d, "--base-url", self.hub.url)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"checksum mismatch", r.stderr)
        for f in ["model.safetensors", "model.safetensors.part", "model.int8.safetensors"]:
            self.assertFalse(os.path.exists(os.path.join(d, f)), f)
        # Once the hub serves the right bytes, a new run completes.
        self.hub.corrupt.clear()
        r = self.fetch("test/tiny", "--dir", d, "--base-url", self.hub.url)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assert_complete(d)

    def test_html_page_is_never_taken_for_a_model(self):
        """A proxy's HTML page where the model should be (no checksum from the hub) is refused and removed."""
        for name in ["model.safetensors", "sentencepiece.bpe.model", "config.json"]:
            with self.subTest(name=name):
                d = self.new_dir("html-" + name)
                self.hub.html = {name}
                r = self.fetch("test/noonnx", "--dir", d, "--base-url", self.hub.url)
                self.assertEqual(r.returncode, 1)
                err = r.stderr.decode()
                self.assertIn(os.path.join(d, name), err)  # the file is named
                self.assertIn("HTML page", err)
                self.assertFalse(os.path.exists(os.path.join(d, name)))
                self.assertFalse(os.path.exists(os.path.join(d, name + ".part")))
                # Against a good hub the next run completes; nothing broken was kept as "present".
                self.hub.html = set()
                r = self.fetch("test/noonnx", "--dir", d, "--base-url", self.hub.url)
                self.assertEqual(r.returncode, 0, r.stderr.decode())
                self.assert_complete(d, onnx=False)

    def test_broken_file_already_present_is_fetched_again(self):
        d = self.new_dir("broken-present")
        os.makedirs(d)
        with open(os.path.join(d, "model.safetensors"), "wb") as f:
            f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": 1}\n      ")  # an earlier run's leftovers
        r = self.fetch("test/tiny", "--dir", d, "--base-url", self.hub.url)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertIn(b"model.safetensors: the file here is not usable", r.stderr)
        self.assert_complete(d)

    def test_stale_part_longer_than_the_file_starts_over_on_a_terminal(self):
        """A 206 whose total is below the .part's size: start over (the progress bar on a tty must not fail)."""
        d = self.new_dir("stale-part")
        os.makedirs(d)
        size = os.path.getsize(os.path.join(FIXTURES, "tiny", "model.safetensors"))
        with open(os.path.join(d, "model.safetensors.part"), "wb") as f:
            f.write(b"\0" * (size + 5000))
        self.hub.short_total = True
        env = dict(os.environ, INDORERANK_HUB_URL="http://127.0.0.1:9")
        r, tty_text = terminal.run_on_tty([CLI, "fetch", "test/tiny", "--dir", d, "--base-url", self.hub.url], env=env,
                                     timeout=300)
        self.assertEqual(r.returncode, 0, tty_text.decode(errors="replace"))
        self.assertIn(b"longer than the file on the server", tty_text)
        self.assert_complete(d)

    def test_unknown_repo_is_a_clear_404(self):
        d = self.new_dir("missing")
        r = self.fetch("test/nope", "--dir", d, "--base-url", self.hub.url)
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode()
        self.assertIn("404", err)
        self.assertIn("not found", err)
        self.assertIn("test/nope", err)
        self.assertFalse(os.path.exists(os.path.join(d, "model.int8.safetensors")))

    def test_connection_refused(self):
        d = self.new_dir("refused")
        r = self.fetch("test/tiny", "--dir", d)  # INDORERANK_HUB_URL: port 9 on 127.0.0.1, nothing listens
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"connection refused", r.stderr)

    def test_disk_error(self):
        # A directory where the download's .part file must go: the write fails (even as root).
        d = self.new_dir("diskerr")
        os.makedirs(os.path.join(d, "config.json.part", "x"))
        r = self.fetch("test/tiny", "--dir", d, "--base-url", self.hub.url)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"cannot write", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(d, "config.json")))

    def test_bad_arguments(self):
        self.assertEqual(self.fetch("a/b", "c/d").returncode, 2)
        self.assertEqual(self.fetch("a/b", "--base-url", "ftp://x").returncode, 2)


if __name__ == "__main__":
    CLI, FIXTURES = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
