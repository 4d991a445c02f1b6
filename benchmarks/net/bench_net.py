"""scripts/bench-net: a 3-node replica-server cluster against two floors measured in the same run.

Systems, each started fresh for every run, on 127.0.0.1, data on the work disk:
- replica `raft` (3 processes, real write-ahead logs, load sent to the leader);
- Redis with `appendonly yes`, `appendfsync always` (one node, durable: the single-node floor);
- resp-floor (parses RESP and answers +OK: no storage, no replication: the loopback floor);
- lean-replica (3 processes: the hand-written loop doing majority replication's essential work,
  parse, log with one fdatasync per batch, ship, count acknowledgements, apply, reply; no library
  node), for SET: what the library costs beyond the protocol itself on this machine.

Load: redis-benchmark -t set,get -d 256 -r 100000 --csv, at 1, 16 and 64 clients and pipelines
of 1 and 16, each configuration sized by a short probe to take about 4 s (at most 15 s). The
systems alternate within each configuration and the whole is repeated (3 runs by default): the
table gives the median, since this disk's fsync time varies several-fold from minute to minute.
For the raft leader, INFO before and after each SET run gives where the time went: log appends
(each one fdatasync) per request, batch size, the loop's time in the node and in sending, the disk
thread's in the log, with the process's CPU time.

Then our own load generator (replica-load: 64 connections, one request in flight each, 5 s per
system) gives the tail redis-benchmark does not print: p99.9 and the maximum.

    /usr/bin/python3 benchmarks/net/bench_net.py SERVER FLOOR LOAD LEAN [--runs N] [--quick]
"""

import argparse
import csv
import io
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def wait_port(port, proc, what):
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None:
                sys.exit("bench-net: %s exited at start" % what)
            time.sleep(0.02)
    sys.exit("bench-net: %s did not listen within 10 s" % what)


def redis_cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args), capture_output=True, text=True, timeout=10).stdout


def info(port):
    out = {}
    for line in redis_cli(port, "INFO").splitlines():
        if ":" in line:
            k, v = line.strip().split(":", 1)
            out[k] = v
    return out


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Raft:
    name = "replica raft (3 nodes)"

    def __init__(self, server, base, extra=(), name=None, follower_base=None):
        if name:
            self.name = name
        # With follower_base, replicas 1 and 2 keep their data there, and replica 0 (on `base`)
        # campaigns first (a shorter election timeout), so that it leads.
        self.follower_dir = tempfile.mkdtemp(prefix="bench-net-raft-", dir=follower_base) if follower_base else None
        self.dir = tempfile.mkdtemp(prefix="bench-net-raft-", dir=base)
        ports = free_ports(6)
        peers = ",".join("127.0.0.1:%d" % p for p in ports[:3])
        self.clients = ports[3:]
        self.procs = []
        for i in range(3):
            where = self.follower_dir if self.follower_dir and i > 0 else self.dir
            first = ["--election-ms", "300"] if self.follower_dir and i == 0 else []
            self.procs.append(subprocess.Popen(
                [server, "--id", str(i), "--peers", peers, "--listen", "127.0.0.1:%d" % self.clients[i],
                 "--data", os.path.join(where, "d%d" % i), "--model", "raft", "--bootstrap", "--quiet"] + list(extra) + first,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for i in range(3):
            wait_port(self.clients[i], self.procs[i], "replica-server %d" % i)
        deadline = time.time() + 10
        self.leader = None
        while self.leader is None and time.time() < deadline:
            for i in range(3):
                if info(self.clients[i]).get("role") == "leader":
                    self.leader = i
            time.sleep(0.05)
        if self.leader is None:
            sys.exit("bench-net: no raft leader within 10 s")
        if self.follower_dir and self.leader != 0:
            sys.exit("bench-net: replica %d leads, not replica 0 (whose data is on the disk): run again" % self.leader)
        self.port = self.clients[self.leader]
        self.pid = self.procs[self.leader].pid

    def stop(self):
        for p in self.procs:
            p.kill()
            p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.follower_dir:
            shutil.rmtree(self.follower_dir, ignore_errors=True)


SYNC_FIRST = "replica raft, leader syncs before sending"
OWN_DISK = "replica raft, followers' logs in memory"


class DurableRedis:
    name = "redis appendfsync always (1 node)"

    def __init__(self, base):
        self.dir = tempfile.mkdtemp(prefix="bench-net-redis-", dir=base)
        self.port = free_ports(1)[0]
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--appendonly", "yes",
             "--appendfsync", "always", "--save", "", "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc, "redis-server")
        self.pid = self.proc.pid

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Floor:
    name = "RESP floor (no storage, 1 node)"

    def __init__(self, floor):
        self.port = free_ports(1)[0]
        self.proc = subprocess.Popen([floor, str(self.port)])
        wait_port(self.port, self.proc, "resp-floor")
        self.pid = self.proc.pid

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()


class Lean:
    name = "lean replication (3 nodes, hand-written)"

    def __init__(self, lean, base):
        self.dir = tempfile.mkdtemp(prefix="bench-net-lean-", dir=base)
        ports = free_ports(3)
        self.port = ports[0]
        self.procs = [subprocess.Popen([lean, "follower", str(ports[i]), os.path.join(self.dir, "log%d" % i)]) for i in (1, 2)]
        time.sleep(0.2)  # the followers listen; the leader retries its connections for 10 s anyway
        self.procs.insert(0, subprocess.Popen([lean, "leader", str(ports[0]), os.path.join(self.dir, "log0"), str(ports[1]), str(ports[2])]))
        wait_port(self.port, self.procs[0], "lean-replica leader")
        self.pid = self.procs[0].pid

    def stop(self):
        for p in self.procs:
            p.kill()
            p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def bench(port, test, clients, pipeline, n):
    """One redis-benchmark run: (requests/s, p50 ms, p99 ms)."""
    args = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", test, "-d", "256", "-r", "100000",
            "-c", str(clients), "-P", str(pipeline), "-n", str(n), "--csv"]
    for attempt in range(3):
        res = subprocess.run(args, capture_output=True, text=True, timeout=60)
        rows = list(csv.DictReader(io.StringIO(res.stdout)))
        if rows:
            r = rows[0]
            return float(r["rps"]), float(r["p50_latency_ms"]), float(r["p99_latency_ms"])
        # redis-benchmark stops at the first error reply (a -TRYAGAIN or -UNKNOWN while a leader
        # changes): say so, and run the configuration again.
        print("bench-net: port %d, %s -c %d -P %d: no result (%s); again" % (port, test, clients, pipeline, res.stderr.strip().splitlines()[-1:]),
              file=sys.stderr, flush=True)
    sys.exit("bench-net: redis-benchmark failed three times")


def sized(port, test, clients, pipeline):
    """Requests for about 4 s at this configuration (a probe run first), within [500, 400000]."""
    rps, _, _ = bench(port, test, clients, pipeline, max(200, clients * pipeline * 4))
    return int(min(400000, max(500, rps * 4)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("server")
    ap.add_argument("floor")
    ap.add_argument("load")
    ap.add_argument("lean")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one run, 1 and 64 clients, pipeline 1 (a smoke test)")
    ap.add_argument("--dir", default="build/net/run")
    ap.add_argument("--follower-dir", default="/dev/shm",
                    help="where a further raft cluster keeps its followers' logs (a memory file system: the leader's disk is "
                         "then not shared with its followers' syncs); '' leaves that row out")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    configs = [(c, p) for p in (1, 16) for c in (1, 16, 64)]
    runs = a.runs
    if a.quick:
        configs, runs = [(1, 1), (64, 1)], 1
    results = {}  # (system, test, c, p) -> list of (rps, p50, p99)
    breakdown = {}  # (c, p) -> list of dicts
    tails = {}  # (system, test) -> list of (rps, p50, p99, p999, max)
    for run in range(runs):
        systems = [Raft(a.server, a.dir), Lean(a.lean, a.dir), DurableRedis(a.dir), Floor(a.floor)]
        try:
            for c, p in configs:
                for test in ("set", "get"):
                    for s in systems:
                        if isinstance(s, Lean) and test != "set":
                            continue  # its GET answers from the leader's map, with no round to confirm it leads
                        n = sized(s.port, test, c, p)
                        before = info(s.port) if isinstance(s, Raft) else None
                        cpu0 = cpu_seconds(s.pid)
                        r = bench(s.port, test, c, p, n)
                        cpu = cpu_seconds(s.pid) - cpu0
                        results.setdefault((s.name, test, c, p), []).append(r)
                        if before is not None and test == "set":
                            after = info(s.port)
                            d = {k: int(after[k]) - int(before[k]) for k in ("syncs", "batches", "persisted", "node_us", "log_us", "send_us", "request_batches", "requests_batched")}
                            d["n"], d["cpu_us"] = n, cpu * 1e6
                            breakdown.setdefault((c, p), []).append(d)
                        print("run %d: %-36s %-3s -c %-2d -P %-2d %9.0f req/s  p50 %.3f ms  p99 %.3f ms" % (run + 1, s.name, test, c, p, *r),
                              file=sys.stderr, flush=True)
            sync_first = Raft(a.server, a.dir, ["--sync-before-send"], SYNC_FIRST)
            systems.append(sync_first)
            extra_rows = [sync_first]
            if a.follower_dir:
                own_disk = Raft(a.server, a.dir, [], OWN_DISK, a.follower_dir)
                systems.append(own_disk)
                extra_rows.append(own_disk)
            for test in ("set", "get"):
                for s in systems:
                    if (s in extra_rows or isinstance(s, Lean)) and test != "set":
                        continue
                    res = subprocess.run([a.load, str(s.port), test, "64", "1", "2" if a.quick else "5"], capture_output=True, text=True, timeout=60)
                    row = list(csv.DictReader(io.StringIO(res.stdout)))
                    if not row:
                        sys.exit("bench-net: replica-load gave no result:\n%s" % res.stderr)
                    t = tuple(float(row[0][k]) for k in ("rps", "p50_ms", "p99_ms", "p999_ms", "max_ms"))
                    tails.setdefault((s.name, test), []).append(t)
                    print("run %d: %-36s %-3s replica-load 64x1 %9.0f req/s  p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms" % (run + 1, s.name, test, *t),
                          file=sys.stderr, flush=True)
        finally:
            for s in systems:
                s.stop()

    med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
    raft, lean, redis, floor = Raft.name, Lean.name, DurableRedis.name, Floor.name
    print("Medians of %d run%s; requests of 256 bytes, keys from 100,000; load to the raft leader (and to the lean leader)." % (runs, "" if runs == 1 else "s"))
    print("lean: the hand-written majority replication (lean-replica), SET only.\n")
    print("| test | clients | pipeline | raft req/s | lean req/s | durable Redis req/s | floor req/s | raft / lean | raft / Redis | lean / Redis | raft / floor | raft p50 / p99 ms | lean p50 / p99 ms | Redis p50 / p99 ms | floor p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for test in ("set", "get"):
        for c, p in configs:
            r, d, f = (results[(x, test, c, p)] for x in (raft, redis, floor))
            ln = results.get((lean, test, c, p))
            lr = "%.0f" % med(ln, 0) if ln else "-"
            rl = "%.2f" % (med(r, 0) / med(ln, 0)) if ln else "-"
            ld = "%.2f" % (med(ln, 0) / med(d, 0)) if ln else "-"
            lp = "%.2f / %.2f" % (med(ln, 1), med(ln, 2)) if ln else "-"
            print("| %s | %d | %d | %.0f | %s | %.0f | %.0f | %s | %.2f | %s | %.3f | %.2f / %.2f | %s | %.2f / %.2f | %.2f / %.2f |" % (
                test.upper(), c, p, med(r, 0), lr, med(d, 0), med(f, 0), rl, med(r, 0) / med(d, 0), ld, med(r, 0) / med(f, 0),
                med(r, 1), med(r, 2), lp, med(d, 1), med(d, 2), med(f, 1), med(f, 2)))
    print("\nThe tail, by replica-load (64 connections, one request each in flight, %d s per system; medians of the runs;" % (2 if a.quick else 5))
    print("the second row is the same cluster with --sync-before-send: the leader's appends leave after its own fdatasync;")
    print("the third keeps the followers' logs in %s, so that the leader's disk serves its own syncs alone):\n" % (a.follower_dir or "(not run)"))
    print("| test | system | req/s | p50 ms | p99 ms | p99.9 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    for test in ("set", "get"):
        for name in (raft, SYNC_FIRST, OWN_DISK, lean, redis, floor):
            if (name, test) not in tails:
                continue
            ts = tails[(name, test)]
            print("| %s | %s | %.0f | %.2f | %.2f | %.2f | %.2f |" % (test.upper(), name, *(statistics.median(t[i] for t in ts) for i in range(5))))
    print("\nWhere the raft leader's time went during SET (medians per request; the loop's time in the node and in")
    print("sending (encoding and queueing frames), the disk thread's in the log (encoding, write and fdatasync of each")
    print("batch), and the process's CPU):\n")
    print("| clients | pipeline | requests per batch | requests per fdatasync | node µs | log µs | send µs | CPU µs |")
    print("|---|---|---|---|---|---|---|---|")
    for c, p in configs:
        ds = breakdown[(c, p)]
        per = lambda k: statistics.median(x[k] / x["n"] for x in ds)  # noqa: E731
        print("| %d | %d | %.1f | %.1f | %.2f | %.2f | %.2f | %.2f |" % (
            c, p, statistics.median(x["requests_batched"] / max(1, x["request_batches"]) for x in ds),
            statistics.median(x["n"] / max(1, x["syncs"]) for x in ds), per("node_us"), per("log_us"), per("send_us"), per("cpu_us")))


if __name__ == "__main__":
    main()
