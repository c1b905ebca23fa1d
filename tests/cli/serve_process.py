"""Starting and stopping `indorerank serve` for the server suites (test_serve.py, test_serve_abuse.py)."""
import re
import signal
import subprocess


def start(cli, model, *args):
    """Starts `cli serve -m model --port 0 args...`; returns (process, port) once it prints its URL."""
    proc = subprocess.Popen([cli, "serve", "-m", model, "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = proc.stdout.readline().decode()
    m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
    if not m:
        proc.kill()
        raise RuntimeError("no startup line: %r %r" % (line, proc.stderr.read()))
    return proc, int(m.group(1))


def stop(proc):
    """SIGTERM, wait, close the pipes."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
