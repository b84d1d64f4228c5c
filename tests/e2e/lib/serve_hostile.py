#!/usr/bin/env python3
"""serve_hostile.py - hostile clients against `ratelab serve` on loopback, with plain sockets:
malformed HTTP, huge headers, a huge body, slowloris connections, and a flood of connections.
Prints one JSON line of what it saw, for test_serve_hostile.sh to compare with serve.json.

  serve_hostile.py HOST PORT SERVER_PID SLOWLORIS_COUNT FLOOD_COUNT
"""
import json
import resource
import socket
import sys
import time


def exchange(host, port, data, read_timeout=10.0):
    """Sends data on a new connection and returns the first line the server answers ('' if
    it closes without one)."""
    with socket.create_connection((host, port), timeout=read_timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        try:
            while b"\r\n" not in answer:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return answer.split(b"\r\n", 1)[0].decode("latin-1")


def pipelined(host, port):
    """Sends three requests in one write (the last asks to close) and returns the status lines
    of the answers, in the order they came."""
    one = b"GET /curl/p HTTP/1.1\r\nHost: x\r\nX-Client-Id: pipe%d\r\n"
    data = (one % 1) + b"\r\n" + (one % 2) + b"\r\n" + (one % 3) + b"Connection: close\r\n\r\n"
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(data)
        answer = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    lines = [line.rstrip(b"\r").decode() for line in answer.split(b"\n")]
    return [line for line in lines if line.startswith(("HTTP/1.1", '{"status"'))]


def pipeline_overflow(host, port, count):
    """Pipelines count requests to the slow API (1 s latency) at once; returns the status lines
    of the answers, in order, until the server closes."""
    one = b"GET /slow/p HTTP/1.1\r\nHost: x\r\nX-Client-Id: deep\r\n\r\n"
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(one * count)
        answer = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
    return [line.rstrip(b"\r").decode() for line in answer.split(b"\n")
            if line.startswith(b"HTTP/1.1")]


def split_headers(host, port):
    """Sends one request in pieces that cut a header's name and value, a pause between each;
    returns the answer's body line (it names the client the server read)."""
    pieces = [b"GET /curl/split HTTP/1.1\r\nHost: x\r\nX-Cli", b"ent-Id: spl", b"it-id\r",
              b"\n\r\n"]
    with socket.create_connection((host, port), timeout=10) as s:
        for piece in pieces:
            s.sendall(piece)
            time.sleep(0.05)
        answer = b""
        while b"}" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n\r\n", 1)[-1].strip().decode()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def slowloris(host, port, count, seconds_max=30.0):
    """Opens count connections that send headers a byte at a time and never finish; returns
    how many the server closed within seconds_max."""
    socks = []
    for _ in range(count):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(b"GET /curl/slow HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        socks.append(s)
    closed = set()
    deadline = time.monotonic() + seconds_max
    while len(closed) < count and time.monotonic() < deadline:
        for i, s in enumerate(socks):
            if i in closed:
                continue
            try:
                s.send(b"X")
                data = s.recv(1)
                if data == b"":
                    closed.add(i)
            except BlockingIOError:
                pass
            except (ConnectionResetError, BrokenPipeError):
                closed.add(i)
        time.sleep(0.2)
    for s in socks:
        s.close()
    return len(closed)


def flood(host, port, count, pid):
    """Opens count connections and holds them; returns (opened, server RSS KiB meanwhile)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 256), hard))
    socks = []
    for _ in range(count):
        try:
            socks.append(socket.create_connection((host, port), timeout=10))
        except OSError:
            break
    time.sleep(1.0)
    rss = rss_kib(pid)
    for s in socks:
        s.close()
    return len(socks), rss


def main():
    host, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    slow_count, flood_count = int(sys.argv[4]), int(sys.argv[5])
    seen = {}
    seen["pipelined"] = pipelined(host, port)
    seen["split"] = split_headers(host, port)
    statuses = pipeline_overflow(host, port, 200)
    seen["overflow_ok"] = statuses.count("HTTP/1.1 200 OK")
    seen["overflow_last"] = statuses[-1] if statuses else ""
    seen["malformed"] = exchange(host, port, b"THIS IS NOT HTTP\r\n\r\n")
    huge_header = b"X-Padding: " + b"a" * 40000 + b"\r\n"
    seen["huge_headers"] = exchange(
        host, port, b"GET /curl/x HTTP/1.1\r\nHost: x\r\n" + huge_header + b"\r\n")
    seen["huge_body"] = exchange(
        host, port, b"POST /curl/x HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n"
        + b"b" * 65536)
    seen["bad_client_id"] = exchange(
        host, port, b"GET /curl/x HTTP/1.1\r\nHost: x\r\nX-Client-Id: no spaces allowed\r\n\r\n")
    seen["rss_kib_before"] = rss_kib(pid)
    seen["slowloris_closed"] = slowloris(host, port, slow_count)
    seen["flood_opened"], seen["rss_kib_flood"] = flood(host, port, flood_count, pid)
    time.sleep(1.0)  # the server reads the flood's EOFs and frees its slots
    seen["after"] = exchange(host, port, b"GET /curl/after HTTP/1.1\r\nHost: x\r\n\r\n")
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
