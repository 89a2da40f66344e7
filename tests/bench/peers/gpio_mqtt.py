#!/usr/bin/python3
"""gpio_mqtt.py: the benchmarks' Python peer, the classic "old Python
script" that puts sysfs GPIO edges on MQTT, written the way a competent
user would: paho-mqtt (Debian's python3-paho-mqtt) with its network thread,
select.poll on the sysfs value files waiting for POLLPRI, os.pread at
offset 0 after each wake-up, and one JSON message per edge with a running
count, at the same QoS as gpio-broker (1). Like gpio-broker it publishes
changed counts (retained) once a second and online/offline on
PREFIX/status. It prints "ready" once connected and set up; SIGTERM or
SIGINT stops it cleanly.

usage: gpio_mqtt.py --port PORT [--host H] [--prefix P] [--qos Q]
                    [--sysfs DIR] [--edge rising|falling|both] PIN...
"""

import argparse
import errno
import json
import os
import select
import signal
import sys
import threading
import time
from datetime import datetime, timezone

import paho.mqtt.client as mqtt

COUNT_INTERVAL_S = 1.0
UDEV_GRACE_S = 2.0


def write_attr(path, text):
    with open(path, "w") as f:
        f.write(text)


def export_pin(sysfs, number):
    """Export a pin unless it is already; wait out the udev race."""
    if os.path.isdir(f"{sysfs}/gpio{number}"):
        return
    try:
        write_attr(f"{sysfs}/export", str(number))
    except OSError as e:
        if e.errno != errno.EBUSY:
            raise
    deadline = time.monotonic() + UDEV_GRACE_S
    while not os.access(f"{sysfs}/gpio{number}/direction", os.W_OK):
        if time.monotonic() > deadline:
            raise PermissionError(f"gpio{number}: direction not writable")
        time.sleep(0.05)


class Pin:
    """One input pin: its value fd, topic and running count."""

    def __init__(self, sysfs, number, edge, prefix):
        self.number = number
        self.edge = edge
        self.count = 0
        self.published_count = None
        self.topic_edge = f"{prefix}/{number}/edge"
        self.topic_count = f"{prefix}/{number}/count"
        base = f"{sysfs}/gpio{number}"
        export_pin(sysfs, number)
        write_attr(f"{base}/direction", "in")
        write_attr(f"{base}/edge", edge)
        self.fd = os.open(f"{base}/value", os.O_RDONLY)
        # a fresh fd reports an event until its first read
        self.level = self.read()

    def read(self):
        return int(os.pread(self.fd, 8, 0)[:1])

    def edge_name(self, level):
        if self.edge == "both":
            return "rising" if level else "falling"
        return self.edge


def timestamp():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Peer:
    def __init__(self, args):
        self.args = args
        self.qos = args.qos
        self.status = f"{args.prefix}/status"
        self.connected = threading.Event()
        self.stopping = False
        self.client = mqtt.Client(client_id=args.client_id)
        self.client.will_set(self.status, "offline", qos=1, retain=True)
        self.client.on_connect = self.on_connect
        self.pins = [Pin(args.sysfs, n, args.edge, args.prefix)
                     for n in args.pins]
        self.by_fd = {p.fd: p for p in self.pins}
        self.poller = select.poll()
        for p in self.pins:
            self.poller.register(p.fd, select.POLLPRI | select.POLLERR)

    def on_connect(self, client, userdata, flags, rc):
        if rc != 0:
            print(f"gpio_mqtt: broker refused the connection: rc {rc}",
                  file=sys.stderr)
            return
        client.publish(self.status, "online", qos=1, retain=True)
        self.connected.set()

    def publish_edge(self, pin, level, ts):
        pin.count += 1
        payload = json.dumps({
            "gpio": pin.number, "name": str(pin.number),
            "edge": pin.edge_name(level), "value": level,
            "count": pin.count, "ts": ts,
        }, separators=(",", ":"))
        self.client.publish(pin.topic_edge, payload, qos=self.qos)

    def publish_counts(self):
        for p in self.pins:
            if p.count == p.published_count:
                continue
            payload = json.dumps({
                "gpio": p.number, "name": str(p.number),
                "count": p.count, "ts": timestamp(),
            }, separators=(",", ":"))
            self.client.publish(p.topic_count, payload, qos=self.qos,
                                retain=True)
            p.published_count = p.count

    def run(self):
        self.client.connect(self.args.host, self.args.port, keepalive=30)
        self.client.loop_start()
        if not self.connected.wait(10):
            sys.exit("gpio_mqtt: no connection to the broker")
        self.publish_counts()
        print("ready", flush=True)

        next_counts = time.monotonic() + COUNT_INTERVAL_S
        while not self.stopping:
            try:
                events = self.poller.poll(COUNT_INTERVAL_S * 1000)
            except InterruptedError:
                continue
            if events:
                ts = timestamp()
            for fd, _ in events:
                pin = self.by_fd[fd]
                pin.level = pin.read()
                self.publish_edge(pin, pin.level, ts)
            if time.monotonic() >= next_counts:
                self.publish_counts()
                next_counts = time.monotonic() + COUNT_INTERVAL_S
        self.stop()

    def stop(self):
        self.publish_counts()
        info = self.client.publish(self.status, "offline", qos=1,
                                   retain=True)
        info.wait_for_publish(5)
        self.client.disconnect()
        self.client.loop_stop()
        for p in self.pins:
            os.close(p.fd)


def parse_args():
    ap = argparse.ArgumentParser(description="sysfs GPIO edges to MQTT")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--client-id", default=f"gpio-py-{os.getpid()}")
    ap.add_argument("--prefix", default="gpio")
    ap.add_argument("--qos", type=int, default=1, choices=(0, 1, 2))
    ap.add_argument("--sysfs", default="/sys/class/gpio")
    ap.add_argument("--edge", default="rising",
                    choices=("rising", "falling", "both"))
    ap.add_argument("pins", type=int, nargs="+")
    return ap.parse_args()


def main():
    args = parse_args()
    try:
        peer = Peer(args)
    except OSError as e:
        sys.exit(f"gpio_mqtt: cannot set up the pins: {e}")

    def on_signal(signum, frame):
        peer.stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    peer.run()


if __name__ == "__main__":
    main()
