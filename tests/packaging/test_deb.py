"""The Debian packages (`make package`): what they hold, that the amd64 one
installs (into a private root, with dpkg) and works from there (the CLI, and
a C program built against the installed headers, pkg-config file and shared
library), and that the arm64 one's CLI runs under qemu on a Cortex-A72.

    test_deb.py AMD64_DEB ARM64_DEB TINY_MODEL
"""
import glob
import os
import subprocess
import sys
import tempfile
import unittest

AMD64, ARM64, MODEL = sys.argv[1:4]
EXPECTED = [
    "./usr/bin/indorerank",
    "./usr/lib/{arch}/libindorerank.so.0.1.0",
    "./usr/lib/{arch}/libindorerank.so.0",
    "./usr/lib/{arch}/libindorerank.so",
    "./usr/lib/{arch}/pkgconfig/indorerank.pc",
    "./usr/include/indorerank/indorerank.h",
    "./usr/include/indorerank/indorerank.hpp",
    "./usr/include/indorerank/status.hpp",
    "./usr/lib/systemd/system/indorerank.service",
    "./usr/share/doc/indorerank/LICENSE",
]
C_PROGRAM = r"""
#include <indorerank/indorerank.h>
#include <stdio.h>
int main(int argc, char** argv) {
  ir_load_params lp = ir_load_default_params();
  ir_reranker* r = NULL;
  if (ir_load(argv[1], &lp, &r) != IR_OK) { fprintf(stderr, "%s\n", ir_last_error()); return 1; }
  const char* passages[] = {"Jakarta adalah ibu kota Indonesia.", "Rendang berasal dari Padang."};
  ir_result results[2];
  size_t written = 0;
  ir_rerank_params rp = ir_rerank_default_params();
  if (ir_rerank(r, "ibu kota", passages, 2, &rp, results, &written) != IR_OK || written != 2) return 1;
  printf("kernel %s, best %zu\n", ir_kernel_name(r), results[0].index);
  ir_free(r);
  return 0;
}
"""


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


class Packages(unittest.TestCase):
    def contents(self, deb):
        return [line.split()[-1] if " -> " not in line else line.split()[-3] for line in run("dpkg-deb", "-c", deb).splitlines()]

    def test_contents_and_control(self):
        for deb, arch, multiarch in ((AMD64, "amd64", "x86_64-linux-gnu"), (ARM64, "arm64", "aarch64-linux-gnu")):
            files = self.contents(deb)
            for f in EXPECTED:
                self.assertIn(f.format(arch=multiarch), files, deb)
            self.assertEqual(run("dpkg-deb", "-f", deb, "Architecture").strip(), arch)
            self.assertEqual(run("dpkg-deb", "-f", deb, "Package").strip(), "indorerank")
        self.assertIn("libsentencepiece0", run("dpkg-deb", "-f", AMD64, "Depends"))

    def test_amd64_installs_and_runs(self):
        with tempfile.TemporaryDirectory() as root:
            admin = os.path.join(root, "var/lib/dpkg")
            for d in ("info", "updates", "triggers"):
                os.makedirs(os.path.join(admin, d))
            for f in ("status", "available"):
                open(os.path.join(admin, f), "w").close()
            # A private root: the host's libraries satisfy the dependencies.
            run("dpkg", "--force-not-root", "--force-depends", "--force-script-chrootless", f"--root={root}",
                f"--admindir={admin}", "--log=/dev/null", "-i", AMD64)
            self.assertIn("ii  indorerank", run("dpkg", f"--admindir={admin}", "-l", "indorerank"))
            cli = os.path.join(root, "usr/bin/indorerank")
            self.assertRegex(run(cli, "info", MODEL), r"(?m)^kernel: (avx512_vnni|avx2|ref)$")
            src = os.path.join(root, "prog.c")
            with open(src, "w") as f:
                f.write(C_PROGRAM)
            env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(root, "usr/lib/x86_64-linux-gnu/pkgconfig"))
            flags = run("pkg-config", "--cflags", "--libs", "indorerank", env=env).split()
            self.assertTrue(any(root in f for f in flags), flags)  # the .pc finds its own prefix
            prog = os.path.join(root, "prog")
            run("cc", "-std=c99", "-Wall", "-Werror", src, "-o", prog, *flags)
            env["LD_LIBRARY_PATH"] = os.path.join(root, "usr/lib/x86_64-linux-gnu")
            self.assertRegex(run(prog, MODEL, env=env), r"^kernel \w+, best [01]\n$")

    def test_arm64_cli_runs_under_qemu(self):
        with tempfile.TemporaryDirectory() as root:
            run("dpkg-deb", "-x", ARM64, root)
            # The arm64 runtime libraries (multiarch libc6:arm64, libcpp-httplib0.11:arm64, libmicrohttpd12:arm64) stand in for the board's.
            out = run("qemu-aarch64-static", "-L", "/", "-cpu", "cortex-a72",
                      os.path.join(root, "usr/bin/indorerank"), "info", MODEL)
            self.assertIn("kernel: neon\n", out)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
