"""Runs replica-server processes on 127.0.0.1 for the process tests (ctest label `process`).

A cluster of three servers, each in its own data directory, with an in-process TCP proxy on
every peer link (node i reaches node j through proxy (i, j)), so a test can cut, delay and
restore links; `kill_9`, `restart` and `terminate` act on the processes. Ports are chosen by
binding port 0. Everything stops by itself: every wait is bounded, and `close()` kills what is
left.
"""

import os
import random
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Proxy:
    """Forwards one peer link (node i to node j). `cut()` closes what is open and refuses new
    connections until `heal()`; `delay` (seconds) holds each chunk before forwarding it."""

    def __init__(self, listen_port, target_port):
        self.target = target_port
        self.up = True
        self.delay = 0.0
        self.conns = []
        self.lock = threading.Lock()
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", listen_port))
        self.server.listen(16)
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                c, _ = self.server.accept()
            except OSError:
                return
            if not self.up:
                c.close()
                continue
            try:
                t = socket.create_connection(("127.0.0.1", self.target), timeout=1)
                t.settimeout(None)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.conns += [c, t]
            threading.Thread(target=self._pump, args=(c, t), daemon=True).start()

    def _pump(self, a, b):
        peers = {a: b, b: a}
        try:
            while self.up and not self.stopped:
                ready, _, _ = select.select([a, b], [], [], 0.1)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        raise OSError("closed")
                    if self.delay:
                        time.sleep(self.delay)
                    if not self.up:
                        raise OSError("cut")
                    peers[s].sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.close()
            except OSError:
                pass

    def cut(self):
        self.up = False
        with self.lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.conns = []

    def heal(self):
        self.up = True

    def close(self):
        self.stopped = True
        self.cut()
        self.server.close()


class Cluster:
    def __init__(self, server, model, n=3, extra=()):
        self.server, self.model, self.n, self.extra = server, model, n, list(extra)
        self.dir = tempfile.mkdtemp(prefix="replica-process-")
        ports = free_ports(n + n + n * (n - 1))
        self.peer_ports = ports[:n]
        self.client_ports = ports[n : 2 * n]
        proxy_ports = iter(ports[2 * n :])
        self.proxies = {}
        for i in range(n):
            for j in range(n):
                if i != j:
                    self.proxies[(i, j)] = Proxy(next(proxy_ports), self.peer_ports[j])
        self.procs = [None] * n
        self.logs = [os.path.join(self.dir, "log%d" % i) for i in range(n)]
        for i in range(n):
            self.start(i, bootstrap=True)

    def peers_for(self, i):
        return ",".join(
            "127.0.0.1:%d" % (self.peer_ports[j] if j == i else self.proxies[(i, j)].server.getsockname()[1]) for j in range(self.n)
        )

    def start(self, i, bootstrap=False):
        args = [self.server, "--id", str(i), "--peers", self.peers_for(i), "--listen", "127.0.0.1:%d" % self.client_ports[i],
                "--data", os.path.join(self.dir, "data%d" % i), "--model", self.model] + self.extra
        if bootstrap:
            args.append("--bootstrap")
        self.procs[i] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(self.logs[i], "ab"))
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.client_ports[i]), timeout=0.2).close()
                return
            except OSError:
                if self.procs[i].poll() is not None:
                    raise RuntimeError("replica-server %d exited with %s:\n%s" % (i, self.procs[i].returncode, self.log(i)))
                time.sleep(0.02)
        raise RuntimeError("replica-server %d did not listen within 10 s" % i)

    def log(self, i):
        with open(self.logs[i], "rb") as f:
            return f.read().decode(errors="replace")

    def client(self, i, timeout=1.0):
        return redis.Redis(host="127.0.0.1", port=self.client_ports[i], socket_timeout=timeout, socket_connect_timeout=timeout)

    def info(self, i):
        try:
            return self.client(i).info("replication")
        except redis.RedisError:
            return None

    def alive(self, i):
        return self.procs[i] is not None and self.procs[i].poll() is None

    def leader(self, timeout=5.0, among=None):
        """The replica that says it leads (and that the others it asked agree on), within `timeout` s."""
        among = list(range(self.n)) if among is None else among
        deadline = time.time() + timeout
        while time.time() < deadline:
            for i in among:
                if not self.alive(i):
                    continue
                inf = self.info(i)
                if inf and inf.get("role") == "leader":
                    return i
            time.sleep(0.05)
        return None

    def kill_9(self, i):
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait(timeout=10)

    def terminate(self, i, timeout=10):
        self.procs[i].send_signal(signal.SIGTERM)
        return self.procs[i].wait(timeout=timeout)

    def isolate(self, i):
        for (a, b), p in self.proxies.items():
            if a == i or b == i:
                p.cut()

    def heal(self):
        for p in self.proxies.values():
            p.heal()

    def close(self, keep=False):
        for p in self.procs:
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(timeout=10)
        for p in self.proxies.values():
            p.close()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


class History:
    """A Jepsen history in EDN, one line per invoke and completion (what replica-check reads)."""

    def __init__(self):
        self.lines = []
        self.lock = threading.Lock()

    @staticmethod
    def _value(f, v):
        if f == "cas":
            return "[%d %d]" % v
        return "nil" if v is None else str(v)

    def add(self, process, kind, f, key, value):
        with self.lock:
            self.lines.append("{:process %d, :type :%s, :f :%s, :key %d, :value %s}" % (process, kind, f, key, self._value(f, value)))

    def write(self, path):
        with open(path, "w") as out:
            out.write("\n".join(self.lines) + "\n")


def workload(cluster, history, seconds, clients=4, keys=3, seed=1, targets=None):
    """`clients` threads, each a Jepsen process: reads, writes of unique values and
    compare-and-sets on `keys` registers, through random live replicas, for `seconds`. A write
    or cas whose outcome is unknown (a timeout, a closed connection, -UNKNOWN) completes as
    :info and its process is retired (a new process number takes over), as Jepsen does.
    Returns the number of operations that completed :ok."""
    rng = random.Random(seed)
    counter = [0]
    ok = [0]
    lock = threading.Lock()
    stop_at = time.time() + seconds

    def next_value():
        with lock:
            counter[0] += 1
            return counter[0]

    def run(slot, seed2):
        r = random.Random(seed2)
        process = slot
        conn, node = None, None
        while time.time() < stop_at:
            live = [i for i in (targets or range(cluster.n)) if cluster.alive(i)]
            if not live:
                time.sleep(0.05)
                continue
            if conn is None:
                node = r.choice(live)
                conn = cluster.client(node)
            key = r.randrange(keys)
            f = r.choice(["read", "write", "cas"])
            value = None if f == "read" else next_value() if f == "write" else (r.randrange(1, max(2, counter[0] + 1)), next_value())
            history.add(process, "invoke", f, key, value)
            try:
                if f == "read":
                    got = conn.get("k%d" % key)
                    history.add(process, "ok", f, key, None if got is None else int(got))
                elif f == "write":
                    conn.set("k%d" % key, value)
                    history.add(process, "ok", f, key, value)
                else:
                    done = conn.execute_command("CAS", "k%d" % key, value[0], value[1])
                    history.add(process, "ok" if done == 1 else "fail", f, key, value)
                with lock:
                    ok[0] += 1
            except redis.ResponseError as e:
                definite = str(e).startswith("TRYAGAIN")
                history.add(process, "fail" if definite or f == "read" else "info", f, key, value)
                if not definite and f != "read":
                    process += clients
                time.sleep(0.02)
            except (redis.ConnectionError, redis.TimeoutError, OSError):
                history.add(process, "fail" if f == "read" else "info", f, key, value)
                if f != "read":
                    process += clients
                conn = None
                time.sleep(0.02)

    threads = [threading.Thread(target=run, args=(c, rng.random())) for c in range(clients)]
    for t in threads:
        t.start()
    return threads, ok


def check(checker, history, path):
    history.write(path)
    res = subprocess.run([checker, path], capture_output=True, text=True, timeout=120)
    return res.returncode, res.stdout + res.stderr


def main(tests):
    """Runs the named test (argv[3]) with the server (argv[1]) and checker (argv[2]); prints the seed."""
    server, checker, name = sys.argv[1], sys.argv[2], sys.argv[3]
    seed = int(os.environ.get("REPLICA_SEED", str(int(time.time()) % 100000)))
    print("process test %s, seed %d (REPLICA_SEED=%d reruns it)" % (name, seed, seed), flush=True)
    random.seed(seed)
    tests[name](server, checker, seed)
    print("passed", flush=True)
