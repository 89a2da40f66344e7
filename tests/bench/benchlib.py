"""benchlib.py: the pieces the benchmark scenarios are made of: a private
mosquitto on a loopback port, the sysfs GPIO simulator, the subscriber that
timestamps messages, the systems under test (the ceiling reader,
gpio-broker, the Python peer, the Node peer), and CPU, wake-up and memory
readings from /proc. Everything started here is registered and stopped by
Bench.close(), which also unmounts the simulator."""

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


class BenchError(Exception):
    """A benchmark step failed; the message is one line for the user."""


def die(msg):
    raise BenchError(msg)


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, timeout, pred, step=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            die(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


# --- /proc readings -------------------------------------------------------

def task_ids(pid):
    try:
        return os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return []


def cpu_ns(pid):
    """CPU time of every thread of pid so far, in ns (schedstat)."""
    total = 0
    for tid in task_ids(pid):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def cpu_split(pid):
    """(user, system) CPU seconds of the whole process, at tick resolution."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def ctx_switches(pid):
    """Voluntary plus involuntary context switches of every thread."""
    total = 0
    for tid in task_ids(pid):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.split(":")[0] in ("voluntary_ctxt_switches",
                                              "nonvoluntary_ctxt_switches"):
                        total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def memory(pid):
    """RSS and its parts, and PSS, in KiB; thread count."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "Threads"):
                out[key] = int(rest.split()[0])
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    out["Pss"] = int(line.split()[1])
    except FileNotFoundError:
        pass
    return out


def rss_by_object(pid, top=10):
    """RSS in KiB per mapped file (anonymous mappings as '[anon]')."""
    out, name = {}, "[anon]"
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            w = line.split()
            if "-" in w[0] and len(w) >= 5 and ":" not in w[0]:
                name = os.path.basename(w[5]) if len(w) >= 6 else "[anon]"
                if name.startswith("["):
                    name = "[anon]" if name not in ("[stack]", "[heap]") \
                        else name
            elif w[0] == "Rss:":
                out[name] = out.get(name, 0) + int(w[1])
    return dict(sorted(out.items(), key=lambda kv: -kv[1])[:top])


STRACE_WAITS = ("epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll",
                "select", "pselect6", "clock_nanosleep", "nanosleep")


def syscall_profile(pid, seconds):
    """Syscalls per second of every thread of pid, from strace -c -f."""
    p = subprocess.Popen(["strace", "-c", "-f", "-p", str(pid)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    time.sleep(seconds)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    calls = {}
    for line in err.splitlines():
        w = line.split()
        if len(w) >= 5 and w[-1].isidentifier() and w[3].isdigit() \
                and w[-1] != "total":
            calls[w[-1]] = int(w[3]) / seconds
    waits = sum(v for k, v in calls.items() if k in STRACE_WAITS)
    return {"waits_per_s": waits, "calls_per_s": dict(sorted(
        calls.items(), key=lambda kv: -kv[1])[:8])}


class CpuMeter:
    """CPU used by a set of processes between start() and stop()."""

    def __init__(self, pids):
        self.pids = list(pids)

    def start(self):
        self.t0 = time.monotonic()
        self.ns0 = [cpu_ns(p) for p in self.pids]
        self.split0 = [cpu_split(p) for p in self.pids]

    def stop(self):
        self.wall = time.monotonic() - self.t0
        ns = [cpu_ns(p) - a for p, a in zip(self.pids, self.ns0)]
        split = [tuple(b - a for a, b in zip(s0, cpu_split(p)))
                 for p, s0 in zip(self.pids, self.split0)]
        self.cpu_s = sum(ns) / 1e9
        self.user_s = sum(s[0] for s in split)
        self.sys_s = sum(s[1] for s in split)
        return self


# --- statistics -----------------------------------------------------------

def percentile(sorted_values, q):
    """The q-quantile (0..1) of sorted values, by linear interpolation."""
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def spread(values):
    """median, min, max of a list of numbers (None when empty)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(vals), "min": min(vals),
            "max": max(vals), "n": len(vals)}


# --- the bench: processes and their cleanup --------------------------------

class Bench:
    """The run's temporary directory and every process it started."""

    def __init__(self, paths, keep=False, rt=0):
        self.paths = paths
        self.keep = keep
        self.rt = rt
        self.dir = tempfile.mkdtemp(prefix="gpio-broker-bench.")
        self.procs = []
        self.mounts = []
        self.broker = None
        self.sim = None

    def spawn(self, name, argv, stdout=None, env=None, **kw):
        """Start argv, logging to NAME.log, real-time when bench.rt is set.
        Nothing is pinned to a CPU: under SCHED_FIFO, a program that spins
        (onoff waits for an export that way) would starve the simulator
        sharing its CPU."""
        if self.rt:
            argv = ["chrt", "--fifo", str(self.rt)] + list(argv)
        log = open(os.path.join(self.dir, f"{name}.log"), "ab")
        out = stdout if stdout is not None else log
        p = subprocess.Popen(argv, stdout=out, stderr=log, env=env,
                             stdin=subprocess.DEVNULL, **kw)
        log.close()
        p.bench_name = name
        self.procs.append(p)
        return p

    def stop(self, p, timeout=10):
        """SIGTERM p, wait, SIGKILL if it does not go; returns its status."""
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)
        return p.returncode

    def log_tail(self, name, lines=5):
        try:
            with open(os.path.join(self.dir, f"{name}.log"), errors="replace") as f:
                return " | ".join(f.read().splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def close(self):
        for p in reversed(list(self.procs)):
            self.stop(p)
        for m in reversed(self.mounts):
            if os.path.ismount(m):
                subprocess.run(["fusermount3", "-u", m],
                               stderr=subprocess.DEVNULL)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- mosquitto ---------------------------------------------------------------

class Broker:
    """A private mosquitto on 127.0.0.1, nothing dropped for slow readers."""

    def __init__(self, bench):
        self.bench = bench
        self.port = free_port()
        conf = os.path.join(bench.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\n"
                    "allow_anonymous true\n"
                    "persistence false\n"
                    "max_queued_messages 0\n"
                    f"user {pwd_name()}\n"
                    "log_type error\nlog_type warning\n")
        self.proc = bench.spawn("mosquitto", ["mosquitto", "-c", conf])
        wait_until("mosquitto to listen", 10, self.listening)

    def listening(self):
        if self.proc.poll() is not None:
            die("mosquitto exited: " + self.bench.log_tail("mosquitto"))
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    @property
    def pid(self):
        return self.proc.pid

    def version(self):
        r = subprocess.run(["mosquitto", "-h"], capture_output=True,
                           text=True)
        m = re.search(r"mosquitto version (\S+)", r.stdout + r.stderr)
        return m.group(1) if m else "unknown"


def pwd_name():
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


# --- the simulator -------------------------------------------------------------

class Sim:
    """gpio-sysfs-sim mounted in the bench's directory."""

    def __init__(self, bench):
        self.bench = bench
        self.mnt = os.path.join(bench.dir, "sys")
        os.mkdir(self.mnt)
        self.proc = bench.spawn("sim", [bench.paths["sim"], self.mnt])
        bench.mounts.append(self.mnt)
        wait_until("the simulator to mount", 10, self.up)
        self.control_path = os.path.join(self.mnt, ".sim", "control")

    def up(self):
        if self.proc.poll() is not None:
            die("gpio-sysfs-sim exited: " + self.bench.log_tail("sim"))
        return os.path.exists(os.path.join(self.mnt, ".sim", "control"))

    def control(self, cmd):
        try:
            with open(self.control_path, "w") as f:
                f.write(cmd)
        except OSError as e:
            die(f"simulator refused '{cmd}': {e.strerror} "
                f"({self.bench.log_tail('sim', 1)})")

    def pulse(self, pin, count, hz):
        self.control(f"pulse {pin} {count} {hz:g}")

    def wait(self):
        self.control("wait")

    def stats(self):
        out = {}
        with open(os.path.join(self.mnt, ".sim", "stats")) as f:
            for line in f:
                kv = dict(w.split("=", 1) for w in line.split())
                out[int(kv.pop("pin"))] = {k: int(v) for k, v in kv.items()}
        return out

    def stop(self):
        self.bench.stop(self.proc)
        if self.mnt in self.bench.mounts:
            self.bench.mounts.remove(self.mnt)


# --- the subscriber ---------------------------------------------------------------

class Sink:
    """mqtt-sink on some topics; messages() reads what it has written."""

    def __init__(self, bench, broker, topics, name="sink"):
        self.bench = bench
        self.path = os.path.join(bench.dir, f"{name}.txt")
        self.proc = bench.spawn(name, [bench.paths["sink"], "-p",
                                       str(broker.port), "-q", "1", "-o",
                                       self.path] + list(topics),
                                stdout=subprocess.PIPE)
        line = self.proc.stdout.readline()
        if line.strip() != b"ready":
            die("mqtt-sink did not subscribe: " + bench.log_tail(name))
        # let TCP acknowledge the SUBACK: else Nagle holds the first
        # message for the sink's delayed ACK (40 ms)
        time.sleep(0.25)

    def lines(self):
        try:
            with open(self.path, "rb") as f:
                return f.read().count(b"\n")
        except FileNotFoundError:
            return 0

    def wait_for(self, expected, settle=0.5, cap=30.0):
        """Wait for expected messages, or until none came for settle s."""
        deadline = time.monotonic() + cap
        last, last_change = -1, time.monotonic()
        while time.monotonic() < deadline:
            n = self.lines()
            if n >= expected:
                return n
            if n != last:
                last, last_change = n, time.monotonic()
            elif time.monotonic() - last_change > settle:
                return n
            time.sleep(0.05)
        return self.lines()

    def finish(self):
        """Stop and return [(recv_ns, count, topic, ts_ns)]."""
        self.bench.stop(self.proc)
        self.proc.stdout.close()
        out = []
        with open(self.path) as f:
            for line in f:
                ns, count, ts, topic = line.split(" ", 3)
                out.append((int(ns), int(count), topic.rstrip("\n"),
                            int(ts)))
        os.unlink(self.path)
        return out


# --- the systems under test ---------------------------------------------------------

class System:
    """One program that reads the pins; subclasses say how to run it."""

    key = ""
    label = ""
    mqtt = True
    wrapper = []    # a command to run the program under (valgrind)
    env = None      # its environment, when not ours

    def __init__(self, bench, broker, sim, pins, edge="rising", tag=""):
        self.bench = bench
        self.broker = broker
        self.sim = sim
        self.pins = list(pins)
        self.edge = edge
        self.prefix = f"bench/{self.key}{tag}"
        self.name = f"{self.key}{tag}"
        reads0 = sim.stats()
        self.procs = self.start()
        self.wait_ready(reads0)

    @property
    def pids(self):
        return [p.pid for p in self.procs]

    def edge_topics(self):
        return [f"{self.prefix}/+/edge"]

    def wait_ready(self, reads0):
        """Every pin read at least once since the start, and connected."""
        def pins_read():
            self.check_alive()
            st = self.sim.stats()
            return all(st[p]["reads"] > reads0[p]["reads"] and
                       st[p]["exported"] for p in self.pins)
        wait_until(f"{self.label} to set up its pins", 30, pins_read)
        wait_until(f"{self.label} to connect", 30, self.connected)
        time.sleep(0.2)

    def connected(self):
        return True

    def check_alive(self):
        for p in self.procs:
            if p.poll() is not None:
                die(f"{self.label} exited with status {p.returncode}: "
                    + self.bench.log_tail(p.bench_name))

    def stop(self):
        for p in self.procs:
            self.bench.stop(p)


class ReadyLine(System):
    """A peer that prints 'ready' on stdout once connected and set up."""

    def connected(self):
        self.check_alive()
        return all(self.bench.ready_seen(p) for p in self.procs)


def _ready_seen(self, p):
    if getattr(p, "ready", False):
        return True
    import select as _select
    while _select.select([p.stdout], [], [], 0)[0]:
        line = p.stdout.readline()
        if not line:
            return False
        if line.strip() == b"ready":
            p.ready = True
            return True
    return False


Bench.ready_seen = _ready_seen


class Ceiling(System):
    key = "ceiling"
    label = "ceiling reader"
    mqtt = False

    def start(self):
        per = self.bench.paths.get("ceiling_max_pins", 16)
        chunks = [self.pins[i:i + per] for i in range(0, len(self.pins), per)]
        return [self.bench.spawn(f"{self.name}-{i}", self.wrapper + [
            self.bench.paths["ceiling"], "--sysfs", self.sim.mnt] +
            [f"{p}:{self.edge}" for p in chunk], stdout=subprocess.PIPE)
            for i, chunk in enumerate(chunks)]

    def finish_counts(self):
        """Stop the readers; {pin: count} from what they print at exit."""
        counts = {}
        for p in self.procs:
            self.bench.stop(p)
            for line in p.stdout.read().decode().splitlines():
                kv = dict(w.split("=", 1) for w in line.split())
                counts[int(kv["gpio"])] = int(kv["count"])
            p.stdout.close()
        return counts


class GpioBroker(System):
    key = "gpio-broker"
    label = "gpio-broker"
    extra_gpio = ""  # more [gpio] keys
    state_file = None  # None: a file in the bench's directory

    def start(self):
        conf = os.path.join(self.bench.dir, f"{self.name}.ini")
        state = self.state_file if self.state_file is not None else \
            os.path.join(self.bench.dir, f"{self.name}.counts")
        with open(conf, "w") as f:
            f.write("[mqtt]\nhost = 127.0.0.1\n"
                    f"port = {self.broker.port}\n"
                    f"client_id = bench-{self.name}\n"
                    f"topic_prefix = {self.prefix}\n"
                    f"[gpio]\nsysfs_root = {self.sim.mnt}\n"
                    f"state_file = {state}\n{self.extra_gpio}")
            for p in self.pins:
                f.write(f"[pin {p}]\ndirection = in\nedge = {self.edge}\n")
        argv = self.wrapper + [self.bench.paths["gpio-broker"], "-c", conf,
                               "--reset-counts"]
        return [self.bench.spawn(self.name, argv, env=self.env)]

    def connected(self):
        self.check_alive()
        path = os.path.join(self.bench.dir, f"{self.name}.log")
        with open(path, errors="replace") as f:
            return "connected to broker" in f.read()


class PythonPeer(ReadyLine):
    key = "python"
    label = "Python peer"

    def start(self):
        return [self.bench.spawn(self.name, self.wrapper + [
            self.bench.paths["python3"], self.bench.paths["python_peer"],
            "--port", str(self.broker.port), "--prefix", self.prefix,
            "--client-id", f"bench-{self.name}", "--sysfs", self.sim.mnt,
            "--edge", self.edge] + [str(p) for p in self.pins],
            stdout=subprocess.PIPE, env=self.env)]


class NodePeer(ReadyLine):
    key = "node"
    label = "Node peer"

    def start(self):
        return [self.bench.spawn(self.name, [
            self.bench.paths["node_ns"], self.sim.mnt] + self.wrapper + [
            self.bench.paths["node"], self.bench.paths["node_peer"],
            "--port", str(self.broker.port), "--prefix", self.prefix,
            "--client-id", f"bench-{self.name}", "--edge", self.edge] +
            [str(p) for p in self.pins], stdout=subprocess.PIPE,
            env=self.env)]


SYSTEMS = [Ceiling, GpioBroker, PythonPeer, NodePeer]


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)
