#!/usr/bin/python3
"""bench.py: run gpio-broker's benchmarks and write their figures
as JSON. It starts a private mosquitto on a loopback port and the sysfs
GPIO simulator in a temporary directory, runs each scenario against the
ceiling reader, gpio-broker, the Python peer and the Node peer, and stops
and unmounts everything it started, also on an error or Ctrl-C.
deploy/bench runs it, then report.py turns the JSON into docs/.

usage: bench.py --build DIR --out FILE [--quick] [--only NAME,...]
                [--repeats N] [--rt PRIO] [--keep]

Every process it starts (simulator, broker, subscriber, the systems) runs
under SCHED_FIFO at PRIO (default 10) when the machine allows it, so that
other work on a shared machine does not decide the figures; --rt 0 runs
them at normal priority.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchlib import Bench, BenchError, Broker, Sim, log  # noqa: E402
from scenarios import SCENARIOS, Settings  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def tool_paths(build):
    node = shutil.which("node") or ""
    return {
        "sim": f"{build}/tests/sim/gpio-sysfs-sim",
        "ceiling": f"{build}/tests/sim/gpio-ceiling-reader",
        "gpio-broker": f"{build}/broker/gpio-broker",
        "sink": f"{build}/tests/bench/mqtt-sink",
        "flood": f"{build}/tests/bench/mqtt-flood",
        "malloc_count": f"{build}/tests/bench/gb-malloc-count.so",
        "python3": "/usr/bin/python3",
        "python_peer": f"{HERE}/peers/gpio_mqtt.py",
        "node": node,
        "node_peer": f"{HERE}/peers/node/gpio-mqtt.js",
        "node_ns": f"{HERE}/peers/node/run-in-ns.sh",
    }


def check_paths(paths):
    for key, path in paths.items():
        if not path or not os.path.exists(path):
            raise BenchError(f"missing {key}: '{path}' (build first, "
                             "or run deploy/bench)")
    if not os.path.isdir(f"{HERE}/peers/node/node_modules/onoff"):
        raise BenchError("the Node peer's packages are not installed "
                         "(npm ci in tests/bench/peers/node)")


def ceiling_max_pins(path):
    """How many pins one ceiling reader takes (it refuses too many)."""
    for n in (64, 32, 16, 8):
        r = subprocess.run([path, "--sysfs", "/nonexistent"] +
                           [str(i) for i in range(n)],
                           capture_output=True, text=True)
        if "too many pins" not in r.stderr:
            return n
    return 1


def real_time_ok(prio):
    """Whether this process may start programs under SCHED_FIFO."""
    r = subprocess.run(["chrt", "--fifo", str(prio), "true"],
                       capture_output=True)
    if r.returncode:
        log("SCHED_FIFO refused here: running at normal priority")
    return r.returncode == 0


def run(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return (r.stdout + r.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def first_match(pattern, text, default="unknown"):
    m = re.search(pattern, text, re.M)
    return m.group(1).strip() if m else default


def node_package_version(name):
    try:
        with open(f"{HERE}/peers/node/node_modules/{name}/package.json") as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "unknown"


def machine_info(paths, broker):
    cpuinfo = open("/proc/cpuinfo").read()
    meminfo = open("/proc/meminfo").read()
    osrel = open("/etc/os-release").read()
    commit = run(["git", "-C", TOP, "rev-parse", "--short=12", "HEAD"])
    dirty = run(["git", "-C", TOP, "status", "--porcelain", "--",
                 "broker", "gpio", "config"])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" (daemon sources modified)" if dirty else ""),
        "cpu": first_match(r"^model name\s*:\s*(.*)$", cpuinfo),
        "cores": os.cpu_count(),
        "memory_gib": round(int(first_match(r"^MemTotal:\s*(\d+)", meminfo,
                                            "0")) / 2**20, 1),
        "kernel": platform.release(),
        "os": first_match(r'^PRETTY_NAME="?([^"\n]*)', osrel),
        "mosquitto": broker.version(),
        "libmosquitto": run(["pkg-config", "--modversion", "libmosquitto"]),
        "libuv": run(["pkg-config", "--modversion", "libuv"]),
        "python": run([paths["python3"], "--version"]).replace("Python ", ""),
        "paho_mqtt": run([paths["python3"], "-c",
                          "import paho.mqtt; print(paho.mqtt.__version__)"]),
        "node": run([paths["node"], "--version"]),
        "onoff": node_package_version("onoff"),
        "mqtt_js": node_package_version("mqtt"),
        "valgrind": run(["valgrind", "--version"]),
        "loadavg_start": open("/proc/loadavg").read().split()[:3],
    }


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=f"{TOP}/build-bench")
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="")
    ap.add_argument("--repeats", type=int, default=0,
                    help="repeats per measurement (default 1 quick, 3 full)")
    ap.add_argument("--rt", type=int, default=10,
                    help="SCHED_FIFO priority of every process started "
                    "(default 10; 0: normal scheduling)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory (logs)")
    return ap.parse_args()


def run_scenarios(bench, st, only, results):
    broker = Broker(bench)
    sim = Sim(bench)
    results["meta"] = machine_info(bench.paths, broker)
    results["meta"]["quick"] = st.quick
    results["meta"]["rt"] = bench.rt
    results["meta"]["settings"] = dict(vars(st))
    results["meta"]["ceiling_max_pins"] = bench.paths["ceiling_max_pins"]
    for name, fn in SCENARIOS:
        if only and name not in only:
            continue
        t0 = time.monotonic()
        log(f"--- scenario {name}")
        results["scenarios"][name] = fn(bench, broker, sim, st)
        results["scenarios"][name]["elapsed_s"] = time.monotonic() - t0
    results["meta"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]


def main():
    args = parse_args()
    only = [s for s in args.only.split(",") if s]
    known = [name for name, _ in SCENARIOS]
    for s in only:
        if s not in known:
            sys.exit(f"bench.py: unknown scenario '{s}' (known: "
                     f"{', '.join(known)})")
    paths = tool_paths(os.path.abspath(args.build))
    st = Settings(args.quick)
    if args.repeats > 0:
        st.repeats = args.repeats
    results = {"scenarios": {}, "meta": {}}
    bench = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    try:
        check_paths(paths)
        paths["ceiling_max_pins"] = ceiling_max_pins(paths["ceiling"])
        rt = args.rt if args.rt > 0 and real_time_ok(args.rt) else 0
        bench = Bench(paths, keep=args.keep, rt=rt)
        log(f"working in {bench.dir}")
        run_scenarios(bench, st, only, results)
    except BenchError as e:
        sys.exit(f"bench.py: {e}")
    except KeyboardInterrupt:
        sys.exit("bench.py: interrupted")
    finally:
        if bench:
            bench.close()
    results["meta"]["elapsed_s"] = time.monotonic() - t0
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    log(f"figures in {args.out} ({results['meta']['elapsed_s']:.0f} s)")


if __name__ == "__main__":
    main()
