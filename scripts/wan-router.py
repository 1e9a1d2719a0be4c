#!/usr/bin/env python3
"""A simulated WAN for scripts/wan.sh: one router joining network namespaces,
delaying, jittering and dropping every packet between them.

Why a process and not `tc netem`: netem is the usual tool, but the kernels this
project's machines and CI run on (Firecracker VMs) are built without sch_netem
(and without fq, tbf and dummy devices), so `tc qdisc add ... netem` fails with
"Specified qdisc kind is unknown". A TUN device needs nothing but /dev/net/tun.

For each host NAME=NAMESPACE=IP this process opens a TUN device, moves it into
the namespace (the open descriptor stays this process's) and gives it IP/24 with
the /24 routed through it. Every IPv4 packet a namespace sends to another's
address comes out of its TUN here, waits its link's one-way delay (± jitter,
uniform) and goes into the destination's TUN; the link's loss drops it first.
Departures on one (source, destination) link keep their order — a jittered
packet never overtakes an earlier one, which netem's jitter would do and TCP
would read as loss — so jitter shows as a varying delay, as on a real path.

Regions: each host is its own region (delay between any two hosts), except
hosts named in --local, which are 0 ms from everything (the client that runs
the load generator, in the same datacenter as the node it talks to).

Partitions and faults at run time: the router re-reads STATE/blocked on SIGHUP,
one host name per line, and drops every packet between those hosts and the
others (a partition: the silence of a cut link, not a refused connection; the
--local hosts still reach them, as an operator's console would); and
STATE/delay ("DELAY_MS JITTER_MS LOSS_PERCENT") when present, to change the
links without restarting the cluster. The router writes STATE/ready once every
device is up, and its counters (packets forwarded, dropped by loss, dropped by
a partition) to STATE/stats on SIGHUP and at exit. The TUN devices disappear
when it exits.
"""
import argparse
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def ip(*args, namespace=None):
    command = ["ip"] + (["-n", namespace] if namespace else []) + list(args)
    subprocess.run(command, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--state", required=True, help="directory for ready, blocked, delay and stats")
    parser.add_argument("--host", action="append", default=[], help="NAME=NAMESPACE=IP (repeat)")
    parser.add_argument("--local", action="append", default=[], help="a host 0 ms from every other (repeat)")
    parser.add_argument("--delay-ms", type=float, default=30.0, help="one-way delay between two regions")
    parser.add_argument("--jitter-ms", type=float, default=5.0, help="± this, uniform, on each packet's delay")
    parser.add_argument("--loss", type=float, default=0.1, help="percent of packets dropped on each link")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    hosts = []  # (name, fd, ip bytes)
    by_address = {}
    for index, spec in enumerate(args.host):
        name, namespace, address = spec.split("=")
        device = f"swan{os.getpid() % 100000}x{index}"
        fd = open_tun(device)
        ip("link", "set", device, "netns", namespace)
        ip("link", "set", "lo", "up", namespace=namespace)
        ip("addr", "add", f"{address}/24", "dev", device, namespace=namespace)
        ip("link", "set", device, "up", namespace=namespace)
        packed = bytes(int(part) for part in address.split("."))
        hosts.append((name, fd, packed))
        by_address[packed] = len(hosts) - 1
    local = {index for index, (name, _, _) in enumerate(hosts) if name in args.local}

    link = {"delay": args.delay_ms / 1000, "jitter": args.jitter_ms / 1000, "loss": args.loss / 100}
    blocked = set()
    stats = {"forwarded": 0, "lost": 0, "partitioned": 0}
    reload = [False]

    def write_stats():
        with open(os.path.join(args.state, "stats"), "w") as out:
            out.write(" ".join(f"{key}={value}" for key, value in stats.items()) + "\n")

    def read_state():
        blocked.clear()
        path = os.path.join(args.state, "blocked")
        if os.path.exists(path):
            names = {line.strip() for line in open(path) if line.strip()}
            blocked.update(index for index, (name, _, _) in enumerate(hosts) if name in names)
        path = os.path.join(args.state, "delay")
        if os.path.exists(path):
            delay, jitter, loss = (float(x) for x in open(path).read().split())
            link.update(delay=delay / 1000, jitter=jitter / 1000, loss=loss / 100)
        write_stats()

    signal.signal(signal.SIGHUP, lambda *_: reload.__setitem__(0, True))
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__(0, True))
    read_state()

    poller = select.epoll()
    source_of = {}
    for index, (_, fd, _) in enumerate(hosts):
        poller.register(fd, select.EPOLLIN)
        source_of[fd] = index
    queue = []  # (due, sequence, destination fd, packet)
    last_due = {}  # (source, destination) -> the latest departure scheduled on that link
    sequence = 0
    with open(os.path.join(args.state, "ready"), "w") as ready:
        ready.write(f"{os.getpid()}\n")

    while not stop[0]:
        if reload[0]:
            reload[0] = False
            read_state()
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 0.5
        try:
            events = poller.poll(timeout)
        except InterruptedError:
            continue
        for fd, _ in events:
            source = source_of[fd]
            for _ in range(256):
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    break
                if len(packet) < 20 or packet[0] >> 4 != 4:
                    continue  # IPv4 only (the kernel's IPv6 solicitations go nowhere)
                destination = by_address.get(packet[16:20])
                if destination is None or destination == source:
                    continue
                if (source in blocked or destination in blocked) and not (source in local or destination in local):
                    stats["partitioned"] += 1
                    continue
                if source in local or destination in local:
                    delay = 0.0
                else:
                    if link["loss"] > 0 and rng.random() < link["loss"]:
                        stats["lost"] += 1
                        continue
                    delay = max(0.0, link["delay"] + rng.uniform(-link["jitter"], link["jitter"]))
                key = (source, destination)
                due = max(time.monotonic() + delay, last_due.get(key, 0.0))
                last_due[key] = due
                sequence += 1
                heapq.heappush(queue, (due, sequence, hosts[destination][1], packet))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, fd, packet = heapq.heappop(queue)
            try:
                os.write(fd, packet)
                stats["forwarded"] += 1
            except OSError:
                pass  # the destination's device is down (ip link set down): the packet is lost
    write_stats()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
