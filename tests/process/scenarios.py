"""Fault tests on real replica-server processes (FAULTS.md D6 to D9; docs/server.md).

    /usr/bin/python3 scenarios.py SERVER CHECKER TEST

Each test starts a three-node cluster on 127.0.0.1, runs its faults and checks, and stops
everything it started. REPLICA_SEED reruns a test's random choices.
"""

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def expect(cond, what, cluster=None):
    if not cond:
        if cluster is not None:
            for i in range(cluster.n):
                sys.stderr.write("---- replica %d's log ----\n%s\n" % (i, cluster.log(i)[-4000:]))
        raise AssertionError(what)


def kill_leader_under_load(server, checker, seed, model):
    """Writes, reads and compare-and-sets from 4 clients for 9 s while the leader is killed with
    kill -9 (and restarted), then the new leader is cut off by the proxies for 1.5 s and healed:
    the history must be linearizable, with operations done before and after each fault."""
    c = harness.Cluster(server, model)
    try:
        first = c.leader(timeout=5)
        expect(first is not None, "no leader within 5 s of starting", c)
        followers = [i for i in range(3) if i != first]
        # A write through a follower is forwarded to the leader; a read on the other follower sees it.
        expect(c.client(followers[0]).set("greeting", "hello") is True, "SET through a follower failed", c)
        expect(c.client(followers[1]).get("greeting") == b"hello", "GET on the other follower did not return the value", c)

        history = harness.History()
        threads, ok = harness.workload(c, history, seconds=9, clients=4, seed=seed)
        time.sleep(2)
        before_kill = ok[0]
        old = c.leader(timeout=2)
        expect(old is not None, "no leader under load", c)
        killed_at = time.time()
        c.kill_9(old)
        new = c.leader(timeout=5, among=[i for i in range(3) if i != old])
        elected_after = time.time() - killed_at
        expect(new is not None, "no new leader within 5 s of kill -9 of the leader", c)
        print("kill -9 of leader %d: replica %d leads after %.2f s" % (old, new, elected_after), flush=True)
        time.sleep(1)
        c.start(old)
        time.sleep(1)
        cut = c.leader(timeout=3)
        expect(cut is not None, "no leader after the restart", c)
        c.isolate(cut)
        time.sleep(1.5)
        c.heal()
        for t in threads:
            t.join(timeout=30)
        after = ok[0]
        # Final reads of every key, through the leader, so that a lost write shows in the history.
        last = c.leader(timeout=5)
        expect(last is not None, "no leader after healing", c)
        reader = c.client(last, timeout=3)
        for key in range(3):
            history.add(1000, "invoke", "read", key, None)
            got = reader.get("k%d" % key)
            history.add(1000, "ok", "read", key, None if got is None else int(got))
        code, out = harness.check(checker, history, os.path.join(c.dir, "history.edn"))
        print("%d operations ok (%d before the kill); replica-check: %s" % (after, before_kill, out.strip().splitlines()[0]), flush=True)
        expect(before_kill >= 20, "fewer than 20 operations completed before the kill (%d)" % before_kill, c)
        expect(after - before_kill >= 20, "fewer than 20 operations completed after the kill", c)
        if code != 0:
            keep = tempfile.mkdtemp(prefix="replica-history-")
            history.write(os.path.join(keep, "history.edn"))
            print("history kept in %s" % keep)
        expect(code == 0, "the history is not linearizable (replica-check exit %d):\n%s" % (code, out), c)
    finally:
        c.close()


def isolated_leader(server, checker, seed, model):
    """Cuts the leader off at the proxies, writes to it at once, kills it with kill -9 while the
    others elect a new leader, heals and restarts it. Returns (acknowledged, lost): writes the
    old leader acknowledged, and how many of those the new leader does not hold."""
    c = harness.Cluster(server, model, extra=["--request-timeout-ms", "1000"])
    try:
        old = c.leader(timeout=5)
        expect(old is not None, "no leader within 5 s of starting", c)
        expect(c.client(old).set("before", "1") is True, "a write before the partition failed", c)
        c.isolate(old)
        conn = c.client(old, timeout=2)
        acked, refused = [], {}
        for k in range(10):
            try:
                if conn.set("lost%d" % k, str(k)) is True:
                    acked.append(k)
            except Exception as e:  # noqa: BLE001: an error or an unknown outcome is not an acknowledgement
                refused[str(e).split(" ")[0]] = refused.get(str(e).split(" ")[0], 0) + 1
        others = [i for i in range(3) if i != old]
        new = c.leader(timeout=5, among=others)
        expect(new is not None, "the majority side elected no leader within 5 s", c)
        c.kill_9(old)
        c.heal()
        c.start(old)
        reader = c.client(new, timeout=3)
        expect(reader.get("before") == b"1", "the write acknowledged before the partition is gone", c)
        lost = [k for k in acked if reader.get("lost%d" % k) != str(k).encode()]
        # The restarted replica follows the new leader and holds what it holds.
        deadline = time.time() + 5
        while time.time() < deadline:
            inf = c.info(old)
            if inf and inf.get("leader") == new and inf.get("applied_index") == c.info(new).get("applied_index"):
                break
            time.sleep(0.1)
        expect(c.info(old).get("leader") == new, "the restarted old leader does not follow the new one", c)
        print("%s: %d writes acknowledged by the isolated leader, %d of them lost; refused: %r" % (model, len(acked), len(lost), refused), flush=True)
        return len(acked), len(lost)
    finally:
        c.close()


def async_loses(server, checker, seed):
    acked, lost = isolated_leader(server, checker, seed, "async")
    expect(acked >= 1, "the isolated asynchronous leader acknowledged nothing")
    expect(lost >= 1, "no acknowledged write was lost: asynchronous failover should lose them (FAULTS.md D7)")


def raft_isolated(server, checker, seed):
    acked, lost = isolated_leader(server, checker, seed, "raft")
    expect(acked == 0, "an isolated raft leader acknowledged %d writes" % acked)
    expect(lost == 0, "raft lost an acknowledged write")


class Replies:
    """Reads one RESP reply at a time from a raw socket (what a test sends is its own business)."""

    def __init__(self, sock, timeout=2.0):
        sock.settimeout(timeout)
        self.file = sock.makefile("rb")

    def next(self):
        line = self.file.readline()
        if line.startswith(b"$") and not line.startswith(b"$-1"):
            line += self.file.read(int(line[1:-2]) + 2)
        return line

    def closed(self):
        return self.file.read(10) == b""


def hostile_clients(server, checker, seed):
    """Garbage, oversized requests, half-sent requests and unknown commands: each gets an error
    or a clean close; the server and the other clients carry on."""
    c = harness.Cluster(server, "raft")
    try:
        lead = c.leader(timeout=5)
        expect(lead is not None, "no leader", c)
        good = c.client(lead)
        expect(good.set("a", "1") is True, "a SET failed before the hostile clients", c)
        # The allocator the build linked (jemalloc in the plain tree; the C library's under the
        # sanitizers, which replace malloc): INFO says which, as Redis's does.
        want = os.environ.get("REPLICA_EXPECT_ALLOCATOR")
        if want:
            got = good.info().get("mem_allocator")
            expect(got == want, "INFO's mem_allocator is %r, the build linked %r" % (got, want), c)
        port = c.client_ports[lead]

        def conn():
            return socket.create_connection(("127.0.0.1", port), timeout=2)

        s = conn()
        r = Replies(s)
        s.sendall(b"HELLO 3\r\n")
        expect(r.next().startswith(b"-ERR unknown command 'HELLO'"), "HELLO did not get -ERR unknown command", c)
        s.sendall(b"PING\r\n")
        expect(r.next() == b"+PONG\r\n", "the connection did not stay open after an unknown command", c)
        s.sendall(b"SET inline 'two words'\r\nGET inline\r\n")
        got = r.next()
        expect(got == b"+OK\r\n", "an inline SET got %r" % got, c)
        got = r.next()
        expect(got == b"$9\r\ntwo words\r\n", "an inline GET got %r" % got, c)
        s.close()

        for junk in [b"*abc\r\n", b"*2\r\n+x\r\n", b"*1\r\n$999999999999\r\n", b"*1\r\n$4\r\nPINGxx", b"*100000000\r\n"]:
            s = conn()
            r = Replies(s)
            s.sendall(junk)
            reply = r.next()
            expect(reply.startswith(b"-ERR Protocol error"), "%r got %r, not a protocol error" % (junk, reply), c)
            expect(r.closed(), "the connection stayed open after a protocol error", c)
            s.close()

        s = conn()
        r = Replies(s)
        try:
            s.sendall(b"x" * (200 * 1024))  # an inline line longer than the limit, never ended
        except OSError:
            pass  # the server may close before it has read everything
        reply = r.next()
        expect(reply.startswith(b"-ERR Protocol error"), "an endless line got %r" % reply, c)
        s.close()

        s = conn()
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhal")  # cut off mid-request
        s.close()

        s = conn()
        s.sendall(b"".join(b"*3\r\n$3\r\nSET\r\n$2\r\np%d\r\n$1\r\n%d\r\n" % (i % 10, i % 10) for i in range(100)) + b"*2\r\n$3\r\nGET\r\n$2\r\np7\r\n")
        s.settimeout(5)
        data = b""
        while data.count(b"\r\n") < 102:
            chunk = s.recv(65536)
            expect(chunk != b"", "the pipelined connection closed early", c)
            data += chunk
        expect(data == b"+OK\r\n" * 100 + b"$1\r\n7\r\n", "pipelined replies out of order or wrong: %r" % data[-40:], c)
        s.close()

        expect(good.get("a") == b"1", "a well-behaved client was disturbed", c)
        expect(good.incrby("n", 5) == 5 and good.incrby("n", -2) == 3, "INCRBY did not count", c)
        expect(good.setnx("fresh", "x") is True and good.setnx("fresh", "y") is False, "SETNX did not refuse the second", c)
        expect(good.execute_command("CAS", "fresh", "x", "z") == 1 and good.execute_command("CAS", "fresh", "x", "w") == 0,
               "CAS did not check its expected value", c)
        expect(good.delete("fresh") == 1 and good.get("fresh") is None, "DEL did not remove", c)
        expect(c.alive(lead), "the server died", c)
        # redis-cli, as a person would use it.
        cli = lambda *a: subprocess.run(["redis-cli", "-p", str(port)] + list(a), capture_output=True, text=True, timeout=10).stdout  # noqa: E731
        expect(cli("SET", "from-cli", "x y").strip() == "OK" and cli("GET", "from-cli").strip() == "x y", "redis-cli SET/GET failed", c)
        expect(cli("PING").strip() == "PONG", "redis-cli PING failed", c)
        inf = c.info(lead)
        expect(inf.get("role") == "leader" and inf.get("commit_index", 0) > 0, "INFO replication is wrong: %r" % inf, c)
    finally:
        c.close()


def sigterm_hands_over(server, checker, seed):
    """SIGTERM on the leader hands leadership to a follower before the process exits (0)."""
    c = harness.Cluster(server, "raft")
    try:
        old = c.leader(timeout=5)
        expect(old is not None, "no leader", c)
        expect(c.client(old).set("x", "1") is True, "a write failed", c)
        t0 = time.time()
        code = c.terminate(old)
        expect(code == 0, "the leader exited with %s after SIGTERM" % code, c)
        new = c.leader(timeout=1, among=[i for i in range(3) if i != old])
        took = time.time() - t0
        expect(new is not None, "no leader within 1 s of the old one's exit", c)
        expect("handing leadership to replica" in c.log(old), "the leader did not hand over", c)
        expect(c.client(new).get("x") == b"1", "the new leader lacks the write", c)
        print("SIGTERM: replica %d leads %.2f s after the signal" % (new, took), flush=True)
    finally:
        c.close()


def dynamo_keeps_every_write(server, checker, seed):
    """Blind writes of unique values to 10 keys from 4 clients through every replica for 8 s,
    while replica 2 is cut off for 2 s and replica 1 is killed with kill -9 and restarted:
    every acknowledged value is still a sibling of its key afterwards (none lost), concurrent
    writes did make siblings, and the three replicas converge (equal digests) after healing."""
    import random
    c = harness.Cluster(server, "dynamo")
    try:
        rng = random.Random(seed)
        acked = {k: set() for k in range(10)}
        lock = threading.Lock()
        counter = [0]
        stop_at = time.time() + 8

        def writer(r):
            conn, node = None, None
            while time.time() < stop_at:
                live = [i for i in range(3) if c.alive(i)]
                if conn is None:
                    node = r.choice(live)
                    conn = c.client(node)
                with lock:
                    counter[0] += 1
                    value = counter[0]
                key = r.randrange(10)
                try:
                    if conn.set("k%d" % key, str(value)) is True:
                        with lock:
                            acked[key].add(str(value).encode())
                except Exception:  # noqa: BLE001: not acknowledged (TRYAGAIN, UNKNOWN, a closed connection)
                    conn = None
                    time.sleep(0.02)

        threads = [threading.Thread(target=writer, args=(random.Random(rng.random()),)) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(2)
        c.isolate(2)
        time.sleep(2)
        c.heal()
        time.sleep(1)
        c.kill_9(1)
        time.sleep(1)
        c.start(1)
        for t in threads:
            t.join(timeout=30)
        total = sum(len(v) for v in acked.values())
        expect(total >= 50, "fewer than 50 writes acknowledged (%d)" % total, c)
        # Converged: every replica holds the same (anti-entropy runs every second).
        deadline = time.time() + 20
        digests = None
        while time.time() < deadline:
            digests = [(c.info(i) or {}).get("digest") for i in range(3)]
            if digests[0] is not None and len(set(digests)) == 1:
                break
            time.sleep(0.2)
        expect(digests[0] is not None and len(set(digests)) == 1, "the replicas did not converge within 20 s: %r" % digests, c)
        reader = c.client(0, timeout=3)
        expect(reader.execute_command("CONSISTENCY", "ALL") in (b"OK", "OK", True), "CONSISTENCY ALL refused", c)
        most = 0
        for key, values in acked.items():
            got = reader.execute_command("GET", "k%d" % key)
            siblings = set(got) if isinstance(got, list) else ({got} if got is not None else set())
            missing = values - siblings
            expect(not missing, "key k%d lost %d acknowledged writes" % (key, len(missing)), c)
            most = max(most, len(siblings))
        expect(most >= 2, "no key has siblings: the concurrent writes were not concurrent", c)
        # Siblings resolved as a client does: read with the context, write the merge with it.
        ctx, siblings = reader.execute_command("GETCTX", "k0")
        expect(len(siblings) >= 2, "GETCTX k0 did not answer the siblings", c)
        expect(reader.execute_command("SETCTX", "k0", ctx, b"merged") in (b"OK", "OK", True), "SETCTX refused the context GETCTX gave", c)
        expect(reader.execute_command("GET", "k0") == b"merged", "the context write did not supersede the siblings it saw", c)
        bad = False
        try:
            reader.execute_command("SETCTX", "k1", "zz", "x")
        except Exception as e:  # noqa: BLE001
            bad = "context" in str(e)
        expect(bad, "a malformed context was not refused", c)
        print("dynamo: %d writes acknowledged, none lost; up to %d siblings per key; converged (digest %s)" % (total, most, digests[0]),
              flush=True)
    finally:
        c.close()


def async_tokens(server, checker, seed):
    """Read-your-writes over RESP (async model, whose followers serve reads from what they have
    applied): with the leader's link to a follower cut, a write acknowledged by the leader is
    missing at the follower (the stale read asserted), a read there carrying the write's token
    (TOKEN n) is never answered with the stale value, and after the heal it sees the write."""
    c = harness.Cluster(server, "async", extra=["--request-timeout-ms", "1000"])
    try:
        leader = c.leader(timeout=5)
        expect(leader is not None, "no leader within 5 s of starting", c)
        f = [i for i in range(3) if i != leader][0]
        w = c.client(leader)
        expect(w.execute_command("TOKEN") is None, "a new connection has a token", c)
        expect(w.set("k", "old") is True, "the first write failed", c)
        plain = c.client(f)
        deadline = time.time() + 5
        while plain.get("k") != b"old" and time.time() < deadline:
            time.sleep(0.02)
        expect(plain.get("k") == b"old", "the follower never applied the first write", c)
        c.proxies[(leader, f)].cut()  # the leader's appends no longer reach the follower
        expect(w.set("k", "new") is True, "the asynchronous leader refused a write with one follower cut off", c)
        token = w.execute_command("TOKEN")
        expect(isinstance(token, int) and token > 0, "no token after an acknowledged write: %r" % (token,), c)
        # Without the token the follower answers what it has: the write is missing (the anomaly).
        expect(plain.get("k") == b"old", "the cut-off follower's plain read is not stale", c)
        # With it, never the stale value: the follower forwards the read, whose answer cannot come
        # back over the cut link, so the outcome is an error, not "old".
        reader = c.client(f, timeout=3)
        expect(reader.execute_command("TOKEN", token) == b"OK", "TOKEN n was refused", c)
        try:
            got = reader.get("k")
        except harness.redis.ResponseError as e:
            got = "error: %s" % e
        expect(got != b"old", "a read carrying the write's token saw the stale value", c)
        c.heal()
        deadline = time.time() + 5
        seen = None
        while time.time() < deadline:
            try:
                seen = reader.get("k")
            except harness.redis.ResponseError as e:
                seen = "error: %s" % e
            expect(seen != b"old", "after the heal a read carrying the token saw the stale value", c)
            if seen == b"new":
                break
            time.sleep(0.05)
        expect(seen == b"new", "the read with the token never saw the write after the heal (last: %r)" % (seen,), c)
        # A connection's own writes: a write through the follower (forwarded), then a read there.
        expect(reader.set("k2", "mine") is True and reader.get("k2") == b"mine", "read-your-writes on one connection", c)
        expect(reader.execute_command("TOKEN") >= token, "the connection's token went backwards", c)
        print("async: token %d; while cut the follower's read without it was stale, with it: %s; after the heal: %r"
              % (token, got, seen), flush=True)
    finally:
        c.close()


TESTS = {
    "async_follower_reads_your_writes": async_tokens,
    "dynamo_keeps_every_acknowledged_write": dynamo_keeps_every_write,
    "raft_kill_leader": lambda s, k, seed: kill_leader_under_load(s, k, seed, "raft"),
    "semi_sync_kill_leader": lambda s, k, seed: kill_leader_under_load(s, k, seed, "semi-sync"),
    "async_loses_acknowledged_writes": async_loses,
    "raft_isolated_leader_acknowledges_nothing": raft_isolated,
    "hostile_clients": hostile_clients,
    "sigterm_hands_over": sigterm_hands_over,
}

if __name__ == "__main__":
    harness.main(TESTS)
