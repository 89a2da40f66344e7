"""scenarios.py: the seven benchmark scenarios. Each takes the
Bench, the broker, the simulator and the run's settings, prints progress
on stderr and returns a JSON-ready dict of figures; none asserts a time."""

import bisect
import os
import re
import signal
import subprocess
import time

from benchlib import (SYSTEMS, Ceiling, CpuMeter, GpioBroker, NodePeer,
                      PythonPeer, Sink, ctx_switches, die, log, memory,
                      percentile, rss_by_object, spread, syscall_profile)

THROUGHPUT_PIN = 17
LATENCY_PIN = 18
CPU_PIN = 19
FANIN_PINS = list(range(20, 52))
IDLE_PINS = {"ceiling": range(20, 28), "gpio-broker": range(28, 36),
             "python": range(36, 44), "node": range(44, 52),
             "gpio-broker-nocheck": range(0, 8)}
COST_PIN = 16
WARM_PULSES = 50
WARM_HZ = 200
FOLLOW_RATIO = 0.99


class Settings:
    """What a run does; --quick shrinks durations and repeats."""

    def __init__(self, quick):
        self.quick = quick
        self.repeats = 1 if quick else 3
        self.rates = [500, 1000, 2000, 3000, 5000, 10000, 20000] \
            if quick else [250, 500, 1000, 1500, 2000, 3000, 5000, 7000,
                           10000, 14000, 20000]
        self.train_s = 0.5 if quick else 0.8
        self.min_pulses = 300 if quick else 500
        self.fanin_rates = [50, 100, 200, 400, 800] if quick else \
            [25, 50, 100, 200, 400, 800]
        self.fanin_s = 0.8 if quick else 1.5
        self.latency = [(100, 200 if quick else 600),
                        (1000, 1500 if quick else 5000)]
        self.cpu_hz = 1000
        self.cpu_s = 3 if quick else 5
        self.idle_s = 8 if quick else 60
        self.strace_s = 2 if quick else 5
        self.cost_edges = 150 if quick else 600
        self.cost_hz = 100
        self.flood_n = 20000 if quick else 100000


def pulses_for(rate, seconds, minimum):
    return max(minimum, int(rate * seconds))


def start_system(cls, bench, broker, sim, pins, tag="", warm=True):
    """Start a system; warm it up with a short train on each of its pins
    (imports, JIT, first connections), unless told not to."""
    log(f"starting {cls.label} on {len(list(pins))} pin(s)")
    system = cls(bench, broker, sim, pins, tag=tag)
    if warm and system.mqtt:
        for p in pins:
            sim.pulse(p, WARM_PULSES, WARM_HZ)
        sim.wait()
        time.sleep(0.3)
    return system


def count_by_topic(msgs):
    out = {}
    for _, count, topic, _ in msgs:
        out.setdefault(topic, []).append(count)
    return out


def topic_pin(topic):
    return int(topic.split("/")[-2])


def run_trial(bench, broker, sim, system_cls, system, pins, rate, n):
    """One pulse train of n pulses at rate on every pin; what arrived."""
    own = system is None
    if own:
        system = start_system(system_cls, bench, broker, sim, pins)
    sink = Sink(bench, broker, system.edge_topics()) if system.mqtt else None
    cpu = CpuMeter(system.pids)
    mq = CpuMeter([broker.pid])
    cpu.start()
    mq.start()
    t0 = time.time_ns()
    for p in pins:
        sim.pulse(p, n, rate)
    sim.wait()
    t_end = time.time_ns()
    expected = n * len(pins)
    result = {"rate": rate, "pulses": n, "pins": len(pins),
              "offered": expected, "train_s": (t_end - t0) / 1e9}
    if sink:
        sink.wait_for(expected)
        msgs = sink.finish()
        cpu.stop()
        mq.stop()
        by_topic = count_by_topic(msgs)
        result["delivered"] = len(msgs)
        result["lag_s"] = (max(m[0] for m in msgs) - t_end) / 1e9 if msgs \
            else None
        result["gaps"] = sum(max(c) - min(c) + 1 - len(set(c))
                             for c in by_topic.values())
        result["duplicates"] = sum(len(c) - len(set(c))
                                   for c in by_topic.values())
    else:
        time.sleep(0.3)
        cpu.stop()
        mq.stop()
        counts = system.finish_counts()
        result["delivered"] = sum(counts.get(p, 0) for p in pins)
        result["lag_s"] = 0.0
    if own and system.mqtt:
        system.stop()
    result["ratio"] = result["delivered"] / expected
    result["lossless"] = result["delivered"] == expected and \
        (result["lag_s"] is not None and result["lag_s"] <= 1.0)
    result["cpu_s"] = cpu.cpu_s
    result["user_s"] = cpu.user_s
    result["sys_s"] = cpu.sys_s
    result["broker_cpu_s"] = mq.cpu_s
    return result


def summarize_rate(trials):
    ok = sum(1 for t in trials if t["lossless"])
    ratio = spread([t["ratio"] for t in trials])
    lag = spread([t["lag_s"] for t in trials])
    return {
        "rate": trials[0]["rate"],
        "offered": trials[0]["offered"],
        "ratio": ratio,
        "lag_s": lag,
        "lossless_repeats": ok,
        "repeats": len(trials),
        "lossless": ok * 2 > len(trials),
        "followed": ratio["median"] >= FOLLOW_RATIO and
        lag["median"] is not None and lag["median"] <= 1.0,
        "trials": trials,
    }


def up_to(rows, key):
    """The highest rate that, with every lower one, meets rows[key]."""
    best = 0
    for r in sorted(rows, key=lambda r: r["rate"]):
        if not r[key]:
            break
        best = r["rate"]
    return best


def ladder(bench, broker, sim, st, cls, pins, rates, seconds, what):
    """Rising rates until two in a row are not followed."""
    system = None if cls is Ceiling else \
        start_system(cls, bench, broker, sim, pins)
    rows, misses = [], 0
    try:
        for rate in rates:
            n = pulses_for(rate, seconds, st.min_pulses // len(pins) or 1)
            trials = [run_trial(bench, broker, sim, cls, system, pins,
                                rate, n) for _ in range(st.repeats)]
            row = summarize_rate(trials)
            rows.append(row)
            log(f"{what}: {cls.label} at {rate} Hz x {len(pins)}: "
                f"median {row['ratio']['median']:.4f} delivered, "
                f"{row['lossless_repeats']}/{row['repeats']} lossless")
            misses = 0 if row["ratio"]["median"] >= 0.5 else misses + 1
            if misses >= 2:
                break
    finally:
        if system:
            system.stop()
    return {"rates": rows, "lossless_hz": up_to(rows, "lossless"),
            "followed_hz": up_to(rows, "followed")}


class GbNoCheck(GpioBroker):
    """gpio-broker with its periodic self-check off, to show its share."""
    key = "gpio-broker-nocheck"
    label = "gpio-broker, self-check off"
    extra_gpio = "self_check_interval_ms = 0\n"


def scenario_throughput(bench, broker, sim, st):
    out = {}
    for cls in SYSTEMS:
        out[cls.key] = ladder(bench, broker, sim, st, cls, [THROUGHPUT_PIN],
                              st.rates, st.train_s, "throughput")
    return out


def scenario_fanin(bench, broker, sim, st):
    out = {}
    for cls in SYSTEMS + ([] if st.quick else [GbNoCheck]):
        r = ladder(bench, broker, sim, st, cls, FANIN_PINS, st.fanin_rates,
                   st.fanin_s, "fan-in")
        r["lossless_total_hz"] = r["lossless_hz"] * len(FANIN_PINS)
        r["followed_total_hz"] = r["followed_hz"] * len(FANIN_PINS)
        out[cls.key] = r
    return out


def read_edge_log(path):
    """CLOCK_REALTIME ns of the rising edges the simulator logged."""
    with open(path) as f:
        return [int(ns) for ns, level in (l.split() for l in f)
                if level == "1"]


def latency_run(bench, broker, sim, system, rate, n, idx):
    path = os.path.join(bench.dir, f"edges-{system.name}-{rate}-{idx}.log")
    sim.control(f"log {LATENCY_PIN} {path}")
    sink = Sink(bench, broker, system.edge_topics())
    sim.pulse(LATENCY_PIN, n, rate)
    sim.wait()
    sink.wait_for(n)
    msgs = sorted(sink.finish(), key=lambda m: m[1])
    edges = read_edge_log(path)
    os.unlink(path)
    return {"delivered": len(msgs), "edges": len(edges),
            "matched_by_ts": len(msgs) != len(edges),
            "lat_us": sorted(pair_latencies(msgs, edges))}


def pair_latencies(msgs, edges):
    """Receive time minus edge time, per message, in us. Without loss the
    k-th message reports the k-th edge; with loss each message reports
    the newest edge generated before its own wake-up time stamp."""
    if len(msgs) == len(edges):
        return [(m[0] - e) / 1000 for m, e in zip(msgs, edges)]
    out = []
    for recv, _, _, ts in msgs:
        i = bisect.bisect_right(edges, ts) - 1
        if i >= 0 and ts >= 0:
            out.append((recv - edges[i]) / 1000)
    return out


def scenario_latency(bench, broker, sim, st):
    out = {"ceiling": {"note": "no MQTT: nothing to receive"}}
    for cls in (GpioBroker, PythonPeer, NodePeer):
        system = start_system(cls, bench, broker, sim, [LATENCY_PIN])
        res = {}
        try:
            for rate, n in st.latency:
                runs = [latency_run(bench, broker, sim, system, rate, n, i)
                        for i in range(st.repeats)]
                res[str(rate)] = latency_summary(runs, n)
                s = res[str(rate)]
                log(f"latency: {cls.label} at {rate} Hz: p50 "
                    f"{fmt(s['p50_us'])} p99 {fmt(s['p99_us'])} "
                    f"p99.9 {fmt(s['p999_us'])} us")
        finally:
            system.stop()
        out[cls.key] = res
    return out


def fmt(v):
    return "n/a" if v is None else f"{v:.0f}"


def latency_summary(runs, n):
    """Percentiles over all samples of all runs, and each run's p99."""
    good = [r for r in runs if r["lat_us"]]
    allv = sorted(v for r in good for v in r["lat_us"])
    return {
        "pulses": n, "runs": len(runs), "complete_runs": sum(
            1 for r in runs if not r["matched_by_ts"]),
        "delivered": [r["delivered"] for r in runs],
        "samples": len(allv),
        "p50_us": percentile(allv, 0.50),
        "p90_us": percentile(allv, 0.90),
        "p99_us": percentile(allv, 0.99),
        "p999_us": percentile(allv, 0.999),
        "max_us": allv[-1] if allv else None,
        "p99_runs_us": spread([percentile(r["lat_us"], 0.99) for r in good]),
        "cdf": cdf_points(allv),
    }


def cdf_points(sorted_values, points=200):
    if not sorted_values:
        return []
    n = len(sorted_values)
    idx = sorted({min(n - 1, int(n * (1 - 10 ** (-4 * i / points))))
                  for i in range(points + 1)})
    return [(sorted_values[i], (i + 1) / n) for i in idx]


def scenario_cpu(bench, broker, sim, st):
    out = {}
    n = st.cpu_hz * st.cpu_s
    for cls in SYSTEMS:
        system = None if cls is Ceiling else \
            start_system(cls, bench, broker, sim, [CPU_PIN])
        try:
            trials = [run_trial(bench, broker, sim, cls, system, [CPU_PIN],
                                st.cpu_hz, n) for _ in range(st.repeats)]
        finally:
            if system:
                system.stop()
        per = [t["cpu_s"] / t["delivered"] * 1e6 for t in trials
               if t["delivered"]]
        out[cls.key] = {
            "rate": st.cpu_hz, "pulses": n,
            "delivered": [t["delivered"] for t in trials],
            "cpu_us_per_edge": spread(per),
            "user_us_per_edge": spread([t["user_s"] / t["delivered"] * 1e6
                                        for t in trials if t["delivered"]]),
            "sys_us_per_edge": spread([t["sys_s"] / t["delivered"] * 1e6
                                       for t in trials if t["delivered"]]),
            "broker_us_per_edge": spread([t["broker_cpu_s"] / t["delivered"]
                                          * 1e6 for t in trials
                                          if t["delivered"]]),
            "cpu_share": spread([t["cpu_s"] / t["train_s"] for t in trials]),
        }
        c = out[cls.key]["cpu_us_per_edge"]
        log(f"cpu: {cls.label}: {fmt(c['median'])} us per edge")
    return out


IDLE_SYSTEMS = [Ceiling, GpioBroker, GbNoCheck, PythonPeer, NodePeer]


def idle_figures(s, secs, before):
    after = sum(ctx_switches(p) for p in s.pids)
    mem = [memory(p) for p in s.pids]
    return {
        "label": s.label, "seconds": secs, "processes": len(s.pids),
        "wakeups_per_s": (after - before) / secs,
        "rss_kib": sum(m.get("VmRSS", 0) for m in mem),
        "rss_anon_kib": sum(m.get("RssAnon", 0) for m in mem),
        "rss_file_kib": sum(m.get("RssFile", 0) for m in mem),
        "pss_kib": sum(m.get("Pss", 0) for m in mem),
        "threads": sum(m.get("Threads", 0) for m in mem),
        "rss_by_object_kib": rss_by_object(s.pids[0]),
    }


def scenario_idle(bench, broker, sim, st):
    systems = [start_system(cls, bench, broker, sim, IDLE_PINS[cls.key],
                            tag="-idle", warm=False) for cls in IDLE_SYSTEMS]
    out = {}
    try:
        time.sleep(3)
        before = {s.key: sum(ctx_switches(p) for p in s.pids)
                  for s in systems}
        t0 = time.monotonic()
        log(f"idle: {st.idle_s} s with 8 pins each, no edges")
        time.sleep(st.idle_s)
        secs = time.monotonic() - t0
        for s in systems:
            out[s.key] = idle_figures(s, secs, before[s.key])
            log(f"idle: {s.label}: {out[s.key]['wakeups_per_s']:.2f} "
                f"context switches/s, RSS {out[s.key]['rss_kib']} KiB")
        for s in systems:
            out[s.key]["syscalls"] = syscall_profile(s.pids[0],
                                                     st.strace_s)
            log(f"idle: {s.label}: "
                f"{out[s.key]['syscalls']['waits_per_s']:.2f} waits/s")
    finally:
        for s in systems:
            s.stop()
    return out


def snapshot_diff(path):
    """Per-object allocations between the first two snapshots."""
    snaps, cur = [], None
    with open(path) as f:
        for line in f:
            w = line.split()
            if w[0] == "snapshot":
                cur = {}
            elif w[0] == "end":
                snaps.append(cur)
            else:
                cur[w[0]] = (int(w[1]), int(w[2]))
    if len(snaps) < 2:
        die(f"the allocation counter wrote {len(snaps)} snapshots, not 2")
    a, b = snaps[0], snaps[1]
    return {k: (v[0] - a.get(k, (0, 0))[0], v[1] - a.get(k, (0, 0))[1])
            for k, v in b.items()}


def cost_train(bench, broker, sim, system, st, before, after):
    """Edges at cost_hz between two actions on the running system; the
    number of edges it delivered (or counted, for the ceiling reader)."""
    sink = Sink(bench, broker, system.edge_topics()) if system.mqtt else None
    before()
    sim.pulse(COST_PIN, st.cost_edges, st.cost_hz)
    sim.wait()
    if sink:
        sink.wait_for(st.cost_edges, settle=2.0)
    time.sleep(0.5)
    after()
    if sink:
        return len(sink.finish())
    return system.finish_counts().get(COST_PIN, 0)


def cost_allocations(bench, broker, sim, st):
    out_path = os.path.join(bench.dir, "malloc-count.txt")
    env = dict(os.environ, LD_PRELOAD=bench.paths["malloc_count"],
               GB_MALLOC_COUNT_OUT=out_path)
    cls = type("GbMalloc", (GpioBroker,), {"env": env})
    system = start_system(cls, bench, broker, sim, [COST_PIN], tag="-malloc")
    pid = system.pids[0]
    try:
        snap = lambda: (os.kill(pid, signal.SIGUSR2), time.sleep(0.2))
        edges = cost_train(bench, broker, sim, system, st, snap, snap)
    finally:
        system.stop()
    diff = snapshot_diff(out_path)
    exe = os.path.basename(bench.paths["gpio-broker"])
    objects = {k: {"allocations": v[0], "bytes": v[1],
                   "per_edge": v[0] / edges if edges else None,
                   "bytes_per_edge": v[1] / edges if edges else None}
               for k, v in sorted(diff.items()) if v[0]}
    ours = diff.get(exe, (0, 0))[0]
    mosq = sum(v[0] for k, v in diff.items() if k.startswith("libmosquitto"))
    log(f"cost: heap allocations per edge: ours {ours / max(edges, 1):.3f}, "
        f"libmosquitto {mosq / max(edges, 1):.3f}")
    return {"edges": edges, "objects": objects,
            "ours_per_edge": ours / edges if edges else None,
            "libmosquitto_per_edge": mosq / edges if edges else None}


NAME_DEF = re.compile(r"^\((\d+)\)(?: (.*))?$")


class CallgrindNames:
    """callgrind's name compression: '(3) name' defines, '(3)' refers."""

    def __init__(self):
        self.table = {}

    def resolve(self, text):
        m = NAME_DEF.match(text.strip())
        if not m:
            return text.strip()
        if m.group(2) is not None:
            self.table[m.group(1)] = m.group(2)
        return self.table.get(m.group(1), "?")


def parse_callgrind(path):
    """Total Ir, self Ir per object, inclusive Ir per function name."""
    objects, functions = CallgrindNames(), CallgrindNames()
    by_object, incl = {}, {}
    ob = fn = "?"
    total, call_cost = 0, False
    with open(path) as f:
        for line in f:
            if line.startswith("ob="):
                ob = os.path.basename(objects.resolve(line[3:]))
            elif line.startswith("cob="):
                objects.resolve(line[4:])
            elif line.startswith("fn="):
                fn = functions.resolve(line[3:])
            elif line.startswith("cfn="):
                functions.resolve(line[4:])
            elif line.startswith("calls="):
                call_cost = True
            elif line.startswith("summary:"):
                total = int(line.split()[1])
            elif line[:1].isdigit() or line[:1] in "+-*":
                w = line.split()
                ir = int(w[1]) if len(w) > 1 else 0
                incl[fn] = incl.get(fn, 0) + ir
                if not call_cost:
                    by_object[ob] = by_object.get(ob, 0) + ir
                call_cost = False
    return total, by_object, incl


def callgrind_system(bench, broker, sim, st, base):
    """Run one system under callgrind; its dump of one pulse train."""
    out = os.path.join(bench.dir, f"callgrind-{base.key}.out")
    cls = type("Callgrind", (base,), {"wrapper": [
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
        "--vgdb=yes"]})
    system = start_system(cls, bench, broker, sim, [COST_PIN],
                          tag="-callgrind")
    pid = str(system.pids[0])

    def control(flag):
        r = subprocess.run(["callgrind_control", flag, pid],
                           capture_output=True, text=True, timeout=60)
        if r.returncode:
            die(f"callgrind_control {flag} failed: {r.stderr.strip()}")

    try:
        edges = cost_train(bench, broker, sim, system, st,
                           lambda: control("-z"), lambda: control("-d"))
    finally:
        system.stop()
    dumps = sorted(f for f in os.listdir(bench.dir)
                   if f.startswith(f"callgrind-{base.key}.out."))
    if not dumps:
        die(f"callgrind wrote no dump for {base.label}")
    return edges, os.path.join(bench.dir, dumps[0])


def cost_callgrind(bench, broker, sim, st):
    """gpio-broker's instructions per edge, by object and function."""
    edges, dump = callgrind_system(bench, broker, sim, st, GpioBroker)
    total, by_object, incl = parse_callgrind(dump)
    per = (lambda v: v / edges) if edges else (lambda v: None)
    wanted = ("pin_on_poll", "daemon_on_edge", "payload_edge",
              "counts_commit", "session_publish", "mosquitto_publish",
              "session_on_socket", "mosquitto_loop_read", "session_on_log",
              "__vsnprintf_chk", "mosquitto_validate_utf8",
              "mosquitto_pub_topic_check", "daemon_on_tick", "uv_run")
    log(f"cost: gpio-broker: {total / max(edges, 1):.0f} instructions per "
        f"edge ({edges} edges)")
    return {"edges": edges, "total_per_edge": per(total),
            "by_object": {k: per(v) for k, v in sorted(
                by_object.items(), key=lambda kv: -kv[1]) if v},
            "inclusive": {f: per(incl[f]) for f in wanted if f in incl}}


def cost_instructions(bench, broker, sim, st):
    """Every other system's instructions per edge, the same way."""
    out = {}
    for cls in (Ceiling, PythonPeer, NodePeer):
        edges, dump = callgrind_system(bench, broker, sim, st, cls)
        total, by_object, _ = parse_callgrind(dump)
        out[cls.key] = {
            "edges": edges,
            "total_per_edge": total / edges if edges else None,
            "by_object": {k: v / edges for k, v in sorted(
                by_object.items(), key=lambda kv: -kv[1])[:6]}
            if edges else {}}
        log(f"cost: {cls.label}: {total / max(edges, 1):.0f} instructions "
            f"per edge ({edges} edges)")
    return out


def scenario_cost(bench, broker, sim, st):
    cg = cost_callgrind(bench, broker, sim, st)
    others = cost_instructions(bench, broker, sim, st)
    others["gpio-broker"] = {"edges": cg["edges"],
                             "total_per_edge": cg["total_per_edge"],
                             "by_object": cg["by_object"]}
    return {"allocations": cost_allocations(bench, broker, sim, st),
            "callgrind": cg, "instructions": others,
            "rate": st.cost_hz, "pulses": st.cost_edges}


FLOOD_LINE = re.compile(r"published (\d+) qos (\d) in ([\d.]+) s")


def flood_once(bench, broker, qos, n):
    sink = Sink(bench, broker, ["bench/flood/#"], name="flood-sink")
    mq = CpuMeter([broker.pid])
    mq.start()
    r = subprocess.run([bench.paths["flood"], "-p", str(broker.port), "-q",
                        str(qos), "-n", str(n), "-t", "bench/flood/17"],
                       capture_output=True, text=True, timeout=300)
    m = FLOOD_LINE.search(r.stdout)
    if r.returncode or not m:
        sink.finish()
        die(f"mqtt-flood failed: {r.stderr.strip()}")
    sink.wait_for(n, settle=2.0, cap=120)
    msgs = sink.finish()
    mq.stop()
    secs = float(m.group(3))
    span = (msgs[-1][0] - msgs[0][0]) / 1e9 if len(msgs) > 1 else None
    return {"published_per_s": n / secs, "delivered": len(msgs),
            "delivered_per_s": len(msgs) / span if span else None,
            "broker_us_per_msg": mq.cpu_s / n * 1e6}


def scenario_flood(bench, broker, sim, st):
    out = {"messages": st.flood_n}
    for qos in (1, 0):
        runs = [flood_once(bench, broker, qos, st.flood_n)
                for _ in range(st.repeats)]
        out[f"qos{qos}"] = {
            "published_per_s": spread([r["published_per_s"] for r in runs]),
            "delivered_per_s": spread([r["delivered_per_s"] for r in runs]),
            "delivered": [r["delivered"] for r in runs],
            "broker_us_per_msg": spread([r["broker_us_per_msg"]
                                         for r in runs]),
        }
        log(f"flood: QoS {qos}: "
            f"{out[f'qos{qos}']['published_per_s']['median']:.0f} msg/s "
            f"published")
    return out


SCENARIOS = [
    ("throughput", scenario_throughput),
    ("fanin", scenario_fanin),
    ("latency", scenario_latency),
    ("cpu", scenario_cpu),
    ("idle", scenario_idle),
    ("cost", scenario_cost),
    ("flood", scenario_flood),
]
