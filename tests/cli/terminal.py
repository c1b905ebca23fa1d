"""Running a command with stderr on a pseudo-terminal (progress shows only there)."""
import os
import pty
import select
import subprocess


def run_on_tty(cmd, **kwargs):
    """subprocess.run(cmd, stdout=PIPE, stderr=<a pty>, **kwargs); returns (result, what the terminal showed)."""
    master, slave = pty.openpty()
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=slave, **kwargs)
    finally:
        os.close(slave)
    shown = b""
    while select.select([master], [], [], 0.2)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    return r, shown
