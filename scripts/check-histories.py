#!/usr/bin/env python3
"""Writes a linearizable register history (Jepsen EDN, one operation per line) for replica-check's
scaling measurements: PROCESSES clients each run operations back to back on one key, each taking
effect at a random moment between its invocation and its completion, so the history is
linearizable by construction. INFO (0..1) is the share of writes that end as :info (unknown
outcome: the checker's hardest case) and take effect or not at random; as in Jepsen, the client
then goes on under a new process id.

  scripts/check-histories.py OPS PROCESSES [--info SHARE] [--seed S] > history.edn
"""
import argparse
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ops", type=int)
    ap.add_argument("processes", type=int)
    ap.add_argument("--info", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    ops = []  # (invoke time, complete time, effect time, process, f, value)
    clock = [0.0] * a.processes
    value = 0
    for i in range(a.ops):
        p = i % a.processes
        start = clock[p] + rnd.expovariate(1.0)
        end = start + rnd.expovariate(0.5)
        clock[p] = end
        f = rnd.choice(["read", "write", "write", "cas"])
        value += 1
        ops.append([start, end, rnd.uniform(start, end), p, f, value, None, "ok"])
    # Apply in effect order to learn what reads return and which cas succeed.
    reg = None
    for op in sorted(ops, key=lambda o: o[2]):
        f = op[4]
        if f == "write" and a.info > 0 and rnd.random() < a.info:
            op[7] = "info"
            if rnd.random() < 0.5:
                continue  # the lost write never took effect
        if f == "read":
            op[6] = reg
        elif f == "write":
            reg = op[5]
        else:
            expected = reg if (reg is not None and rnd.random() < 0.7) else op[5] + 1_000_000
            op[6] = expected
            if expected == reg:
                reg = op[5]
            else:
                op[7] = "fail"
    # Jepsen: a process whose operation ends :info is never heard from again; its client goes on
    # under a new process id.
    pid = list(range(a.processes))
    events = []
    for op in ops:
        start, end, _, p, f, v, extra, kind = op
        q = pid[p]
        if f == "read":
            events.append((start, q, "invoke", f, "nil"))
            events.append((end, q, "ok", f, "nil" if extra is None else str(extra)))
        elif f == "write":
            events.append((start, q, "invoke", f, str(v)))
            if kind == "ok":
                events.append((end, q, "ok", f, str(v)))
            else:
                pid[p] += a.processes
        else:
            pair = "[%s %d]" % (extra, v)
            events.append((start, q, "invoke", f, pair))
            events.append((end, q, kind, f, pair))
    events.sort()
    for t, p, kind, f, v in events:
        print("{:process %d, :type :%s, :f :%s, :value %s}" % (p, kind, f, v))

if __name__ == "__main__":
    main()
