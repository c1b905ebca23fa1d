"""`indorerank convert` when memory or disk runs out: a clear error with the system's reason, exit 1,
no abort and no half-written file.

Run by ctest as: /usr/bin/python3 tests/cli/test_convert_limits.py CLI FIXTURES_DIR  (needs the full fixture)
"""
import os
import resource
import subprocess
import sys
import tempfile
import time
import unittest

import terminal

CLI = FIXTURES = None


class ConvertLimits(unittest.TestCase):
    def test_out_of_memory_is_an_error_not_an_abort(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "full.int8.safetensors")

            def cap():  # 700 MB of address space: the 470 MB checkpoint maps, the conversion does not fit
                resource.setrlimit(resource.RLIMIT_AS, (700 << 20, 700 << 20))

            r = subprocess.run([CLI, "convert", os.path.join(FIXTURES, "full"), out], capture_output=True,
                               preexec_fn=cap, timeout=600)
            self.assertEqual(r.returncode, 1, r.stderr.decode())
            self.assertRegex(r.stderr.decode(), "out of memory|Cannot allocate memory")
            self.assertFalse(os.path.exists(out))

    def test_progress_on_a_terminal(self):
        """A conversion of the full-shape checkpoint shows its line on a terminal at once and ticks each
        second it lasts (under a second on a fast machine); stdout stays one line."""
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "full.int8.safetensors")
            t0 = time.monotonic()
            r, shown = terminal.run_on_tty([CLI, "convert", os.path.join(FIXTURES, "full"), out], timeout=600)
            took = time.monotonic() - t0
            self.assertEqual(r.returncode, 0, shown)
            text = shown.decode(errors="replace")
            self.assertRegex(text, r"converting .*full: 0 s")
            if took >= 1.5:  # the first tick is due at 1 s
                self.assertRegex(text, r"converting .*full: 1 s")
            self.assertTrue(text.endswith("\n"), text)
            self.assertEqual(r.stdout.count(b"\n"), 1)

    def test_full_disk_gives_the_system_reason(self):
        r = subprocess.run([CLI, "convert", os.path.join(FIXTURES, "tiny"), "/dev/full"], capture_output=True,
                           timeout=300)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"failed writing /dev/full: No space left on device", r.stderr)
        self.assertTrue(os.path.exists("/dev/full"))


if __name__ == "__main__":
    CLI, FIXTURES = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"])
