"""Load and soak benchmark of `indorerank serve` (a benchmark: it prints figures, it asserts nothing).

  /usr/bin/python3 bench/serve_load.py CLI MODEL [--rounds 3] [--clients 16] [--requests 200]
                                                [--soak SECONDS] [--workers 2]

Rounds: `clients` keep-alive clients each send `requests` rerank requests (6 documents, the tiny
fixture's shape), one round after another; per round: errors, p50/p99 latency, requests/s and
the server's RSS. Soak (after the rounds): the same clients for SECONDS, while 8 sockets trickle
headers, 8 stay idle and one client keeps sending 8 MiB bodies; RSS is sampled every 30 s.
"""
import argparse
import http.client
import json
import re
import signal
import socket
import subprocess
import threading
import time

DOCS = ["Jakarta adalah ibu kota Indonesia.", "Rendang berasal dari Sumatera Barat.",
        "Harga beras di pasar naik minggu ini.", "Kereta api berangkat dari Stasiun Gambir pukul tujuh pagi.",
        "Petani di Jawa Tengah memanen padi lebih awal tahun ini.", "Bank Indonesia menahan suku bunga acuan."]
QUERIES = ["harga beras", "ibu kota", "kereta api", "suku bunga", "rendang", "padi", "pasar", "bank"]


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] if xs else float("nan")


def client(port, n, stop, latencies, errors, lock, seed):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    k = 0
    while (n is None and not stop.is_set()) or (n is not None and k < n):
        body = json.dumps({"query": QUERIES[(seed + k) % len(QUERIES)], "documents": DOCS, "top_n": 3})
        t0 = time.monotonic()
        try:
            conn.request("POST", "/v1/rerank", body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            ok = r.status == 200 and len(json.loads(data)["results"]) == 3
        except Exception:  # noqa: BLE001 - counted as an error
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        with lock:
            (latencies if ok else errors).append(time.monotonic() - t0)
        k += 1
    conn.close()


def run_clients(port, clients, requests, stop=None):
    latencies, errors, lock = [], [], threading.Lock()
    threads = [threading.Thread(target=client, args=(port, requests, stop, latencies, errors, lock, i))
               for i in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    return threads, latencies, errors, t0


def abusers(port, stop, big_statuses):
    """8 tricklers, 8 idle sockets, one client of 8 MiB bodies, until stop; each reconnects when cut."""
    def trickler():
        while not stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"POST /v1/rerank HTTP/1.1\r\nHost: t\r\nX-Slow: ")
                while not stop.is_set():
                    s.sendall(b"a")
                    time.sleep(1)
            except OSError:
                pass

    def idler():
        while not stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.settimeout(60)
                s.recv(1)  # until the server closes it
            except OSError:
                pass

    def big():
        body = json.dumps({"query": "beras", "documents": ["beras " * 1395] * 1000}).encode()
        while not stop.is_set():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                conn.request("POST", "/v1/rerank", body=body, headers={"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                big_statuses.append(r.status)
                conn.close()
            except OSError as e:
                big_statuses.append(type(e).__name__)

    threads = [threading.Thread(target=f, daemon=True) for f in [trickler] * 8 + [idler] * 8 + [big]]
    for t in threads:
        t.start()
    return threads


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("model")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--soak", type=int, default=0, help="seconds of soak after the rounds (0: none)")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    proc = subprocess.Popen([a.cli, "serve", "-m", a.model, "--port", "0", "--max-length", "64", "--workers",
                             str(a.workers), "--threads", "1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    port = int(re.search(r":(\d+) ", proc.stdout.readline().decode()).group(1))
    print("serve --workers %d --threads 1, %s; RSS after load %.1f MB" % (a.workers, a.model, rss_mb(proc.pid)))
    print("| round | requests | errors | p50 ms | p99 ms | requests/s | RSS MB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in range(a.rounds):
        threads, lat, err, t0 = run_clients(port, a.clients, a.requests)
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        print("| %d | %d | %d | %.1f | %.1f | %.0f | %.1f |" % (
            r + 1, len(lat) + len(err), len(err), percentile(lat, 50) * 1e3, percentile(lat, 99) * 1e3,
            (len(lat) + len(err)) / wall, rss_mb(proc.pid)))
    if a.soak:
        print("\nsoak: %d clients for %d s, with 8 trickling, 8 idle and one 8 MiB-body client" % (a.clients, a.soak))
        print("| t s | requests | errors | p50 ms | p99 ms | RSS MB |")
        print("| --- | --- | --- | --- | --- | --- |")
        stop = threading.Event()
        big_statuses = []
        bad = abusers(port, stop, big_statuses)
        threads, lat, err, t0 = run_clients(port, a.clients, None, stop)
        seen = 0
        while time.monotonic() - t0 < a.soak:
            time.sleep(min(30, a.soak - (time.monotonic() - t0)))
            window = lat[seen:]
            seen = len(lat)
            print("| %.0f | %d | %d | %.1f | %.1f | %.1f |" % (
                time.monotonic() - t0, len(lat) + len(err), len(err), percentile(window, 50) * 1e3,
                percentile(window, 99) * 1e3, rss_mb(proc.pid)), flush=True)
        stop.set()
        for t in threads:
            t.join()
        del bad
        counts = {}
        for st in big_statuses:
            counts[st] = counts.get(st, 0) + 1
        print("8 MiB-body requests (1000 documents each): %s" % ", ".join("%s: %d" % kv for kv in sorted(counts.items(), key=str)))
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)


if __name__ == "__main__":
    main()
