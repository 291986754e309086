#!/usr/bin/env python3
"""Side-by-side benchmark: lsyncd (delay=0, to an rsync daemon), plain rsync, and Replicator.

Everything runs on 127.0.0.1 with free ports picked at run time, in a temp directory that is
removed at the end. Every process this script starts is stopped by its PID. Python 3 stdlib only.
Not for CI: it takes minutes, writes hundreds of MB and its figures depend on the machine.

  bench/run.sh                       # full run, writes docs/benchmarks.md
  bench/run.sh --quick               # smaller sizes, a couple of minutes (smoke test)
  bench/run.sh --only latency,burst  # a subset: latency burst stream dirrename wp small restart
  bench/run.sh --tools replicator    # a subset of tools: lsyncd rsync replicator

Latency is measured the same way for every tool: a separate watcher process (this file with
--watcher) polls the target every ~1 ms and records, with CLOCK_MONOTONIC, when each expected
path shows the expected content (or is gone, for deletes); the writer records the same clock
right after its write/rename/unlink returns. Latency = arrival - write done.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LAUNCHER = os.path.join(ROOT, "bin", "replicator")
WORDPRESS = "/usr/share/wordpress"
ALL_SCENARIOS = ["latency", "dirrename", "burst", "stream", "wp", "small", "restart"]
ALL_TOOLS = ["lsyncd", "rsync", "replicator"]


# --------------------------------------------------------------------------------------------
# watcher process
# --------------------------------------------------------------------------------------------

def _check(path, kind, size, digest):
    if kind == "absent":
        return not os.path.lexists(path)
    try:
        st = os.stat(path)
    except OSError:
        return False
    if st.st_size != size:
        return False
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return hashlib.sha1(data).hexdigest() == digest


def watcher_main():
    """Reads JSON lines on stdin: expect (items), collect (timeout), quit. Polls every ~1 ms.

    A pass lists each parent directory that has pending paths once (one getdents), and reads and
    hashes only the names that appeared, so 1000 pending files cost about as much as a few: the
    watcher must not steal the CPU the tools under test need."""
    pending = {}   # key -> (path, kind, size, digest)
    by_dir = {}    # parent dir -> {basename: key}
    arrived = {}
    collect_deadline = None
    buf = b""
    out = sys.stdout
    while True:
        if pending:
            timeout = 0.001
        elif collect_deadline is not None:
            timeout = 0
        else:
            timeout = None
        r, _, _ = select.select([0], [], [], timeout)
        if r:
            data = os.read(0, 1 << 20)
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                msg = json.loads(line)
                if msg["op"] == "expect":
                    for key, path, kind, size, digest in msg["items"]:
                        pending[key] = (path, kind, size, digest)
                        parent, name = os.path.split(path)
                        by_dir.setdefault(parent, {})[name] = key
                    out.write(json.dumps({"op": "ack"}) + "\n")
                    out.flush()
                elif msg["op"] == "collect":
                    collect_deadline = time.monotonic() + msg["timeout"]
                elif msg["op"] == "quit":
                    return
        if pending:
            for parent in list(by_dir):
                names = by_dir[parent]
                try:
                    present = set(os.listdir(parent))
                except OSError:
                    present = set()
                for name in list(names):
                    key = names[name]
                    path, kind, size, digest = pending[key]
                    if kind == "absent":
                        ok = name not in present
                    else:
                        ok = name in present and _check(path, kind, size, digest)
                    if ok:
                        arrived[key] = time.monotonic()
                        del pending[key]
                        del names[name]
                if not names:
                    del by_dir[parent]
        if collect_deadline is not None and (not pending or time.monotonic() > collect_deadline):
            out.write(json.dumps({"arrived": arrived, "missing": sorted(pending)}) + "\n")
            out.flush()
            arrived = {}
            pending = {}
            by_dir = {}
            collect_deadline = None


class Watcher:
    def __init__(self):
        self.proc = spawn([sys.executable, os.path.abspath(__file__), "--watcher"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, name="watcher")

    def _send(self, msg):
        self.proc.stdin.write((json.dumps(msg) + "\n").encode())
        self.proc.stdin.flush()

    def expect(self, items):
        self._send({"op": "expect", "items": items})
        json.loads(self.proc.stdout.readline())

    def collect(self, timeout):
        self._send({"op": "collect", "timeout": timeout})
        return json.loads(self.proc.stdout.readline())

    def close(self):
        try:
            self._send({"op": "quit"})
        except OSError:
            pass


# --------------------------------------------------------------------------------------------
# processes, ports, helpers
# --------------------------------------------------------------------------------------------

PROCS = []  # every Popen we started, stopped by PID at the end


def spawn(argv, name, stdout=None, stderr=None, stdin=subprocess.DEVNULL, env=None):
    p = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=stderr, env=env)
    p.bench_name = name
    PROCS.append(p)
    return p


def stop(p, timeout=20):
    if p is None or p.poll() is not None:
        return
    try:
        os.kill(p.pid, signal.SIGTERM)
        p.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    except ProcessLookupError:
        pass


def stop_all():
    for p in reversed(PROCS):
        stop(p, timeout=10)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("nothing listens on 127.0.0.1:%d after %ds" % (port, timeout))


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def pct(values, p):
    """Percentile with linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def rss_kb(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def rmtree(path):
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.lexists(path):
        shutil.rmtree(path)


def write_file(path, data):
    with open(path, "wb") as f:
        f.write(data)


def tree_listing(root, skip_top=(".replicator",)):
    """relpath -> (type, size, mtime seconds, link target) for comparing two trees."""
    out = {}
    root = root.rstrip("/")
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == root:
            dirnames[:] = [d for d in dirnames if d not in skip_top]
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = p[len(root) + 1:]
            if os.path.islink(p):
                out[rel] = ("l", 0, 0, os.readlink(p))
            elif name in dirnames:
                out[rel] = ("d", 0, 0, None)
            else:
                out[rel] = ("f", st.st_size, int(st.st_mtime), None)
    return out


def verify_same(src, dst, what):
    a, b = tree_listing(src), tree_listing(dst)
    if a != b:
        diff = sorted(set(a.items()) ^ set(b.items()))[:5]
        raise RuntimeError("%s: target differs from source, e.g. %s" % (what, diff))


def tree_size(root):
    files = 0
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == root and ".replicator" in dirnames:
            dirnames.remove(".replicator")
        for n in filenames:
            st = os.lstat(os.path.join(dirpath, n))
            if not os.path.islink(os.path.join(dirpath, n)):
                files += 1
                total += st.st_size
    return files, total


def log_gist(path):
    """The distinct error lines of an agent log, without stack frames."""
    seen = []
    for line in open(path, errors="replace"):
        if line.startswith(("\t", " ")) or not re.search(r"WARN|ERROR|Error|Exception|Terminating", line):
            continue
        line = re.sub(r"^\S+Z ", "", line.strip())[:300]
        if "StacklessClosedChannelException" in line or line in seen:
            continue
        seen.append(line)
    return " | ".join(seen[-4:]) or "(nothing in its log)"


def parse_iso(ts):
    return datetime.datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


# --------------------------------------------------------------------------------------------
# tools
# --------------------------------------------------------------------------------------------

class RsyncDaemon:
    """An rsync daemon on 127.0.0.1:<free port> with one writable module, started by hand."""

    def __init__(self, tmp, path):
        self.dir = os.path.join(tmp, "rsyncd")
        os.makedirs(self.dir, exist_ok=True)
        self.path = path
        self.port = free_port()
        conf = os.path.join(self.dir, "rsyncd.conf")
        with open(conf, "w") as f:
            # chroot (as root) keeps symlink targets verbatim; without it the daemon sanitizes them
            f.write("use chroot = %s\nmunge symlinks = no\nmax connections = 0\n[bench]\npath = %s\nread only = false\n"
                    "uid = root\ngid = root\n" % ("yes" if os.geteuid() == 0 else "no", path))
        self.proc = spawn(["rsync", "--daemon", "--no-detach", "--config=" + conf,
                           "--port=%d" % self.port, "--address=127.0.0.1",
                           "--log-file=" + os.path.join(self.dir, "rsyncd.log")], name="rsyncd")
        wait_port(self.port)
        self.url = "rsync://127.0.0.1:%d/bench/" % self.port

    def stop(self):
        stop(self.proc)


def rsync_push(src, url, extra=()):
    """One rsync client run; returns (seconds, bytes sent, bytes received)."""
    argv = ["rsync", "-a", "--delete", "--stats", "--no-human-readable", "--exclude=/.replicator/",
            *extra, src.rstrip("/") + "/", url]
    t0 = time.monotonic()
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    dt = time.monotonic() - t0
    if r.returncode != 0:
        raise RuntimeError("rsync failed (%d): %s" % (r.returncode, r.stderr.strip()))
    sent = int(re.search(r"Total bytes sent: ([\d,]+)", r.stdout).group(1).replace(",", ""))
    recv = int(re.search(r"Total bytes received: ([\d,]+)", r.stdout).group(1).replace(",", ""))
    return dt, sent, recv


class Lsyncd:
    name = "lsyncd"

    def __init__(self, tmp):
        self.tmp = os.path.join(tmp, "lsyncd")
        os.makedirs(self.tmp, exist_ok=True)
        self.proc = None
        self.daemon = None

    def start(self, src, dst, timeout=600):
        """Starts the rsync daemon on dst and lsyncd on src; returns seconds until lsyncd's startup
        rsync finished."""
        self.daemon = RsyncDaemon(self.tmp, dst)
        conf = os.path.join(self.tmp, "lsyncd.conf.lua")
        self.out = os.path.join(self.tmp, "lsyncd.out")
        self.logfile = os.path.join(self.tmp, "lsyncd.log")
        rmtree(self.logfile)
        with open(conf, "w") as f:
            f.write('settings { logfile = "%s", statusFile = "%s/lsyncd.status", '
                    'nodaemon = true }\n' % (self.logfile, self.tmp))
            f.write('sync { default.rsync, source = "%s", target = "%s", delay = 0, '
                    'rsync = { archive = true, _extra = { "--stats", "--no-human-readable" } } }\n'
                    % (src, self.daemon.url))
        self.outf = open(self.out, "wb")
        t0 = time.monotonic()
        self.proc = spawn(["lsyncd", conf], name="lsyncd", stdout=self.outf, stderr=subprocess.STDOUT)
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            with open(self.out, "rb") as f:
                if b"Startup of" in f.read():
                    return time.monotonic() - t0
            if self.proc.poll() is not None:
                raise RuntimeError("lsyncd exited: " + open(self.out).read()[-2000:])
            time.sleep(0.005)
        raise RuntimeError("lsyncd startup did not finish in %ds" % timeout)

    def pid(self):
        return self.proc.pid

    def bytes_mark(self):
        return os.path.getsize(self.out), os.path.getsize(self.logfile)

    def bytes_since(self, mark):
        """Waits until lsyncd is idle (its log file: every rsync it called has finished), then sums
        rsync's --stats printed on lsyncd's stdout after the mark: (sent, received)."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(self.logfile, "rb") as f:
                f.seek(mark[1])
                text = f.read().decode(errors="replace")
            if text.count("Calling rsync") == text.count("Finished a list") and "Finished" in text:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        with open(self.out, "rb") as f:
            f.seek(mark[0])
            text = f.read().decode(errors="replace")
        sent = sum(int(x.replace(",", "")) for x in re.findall(r"Total bytes sent: ([\d,]+)", text))
        recv = sum(int(x.replace(",", "")) for x in re.findall(r"Total bytes received: ([\d,]+)", text))
        return sent, recv

    def stop(self):
        stop(self.proc)
        if self.daemon:
            self.daemon.stop()
        try:
            self.outf.close()
        except Exception:
            pass


class Replicator:
    name = "replicator"

    def __init__(self, tmp, tag, src, dst):
        self.dir = os.path.join(tmp, "replicator-" + tag)
        os.makedirs(self.dir, exist_ok=True)
        self.src, self.dst = src, dst
        self.mstate = os.path.join(self.dir, "state-master")
        self.sstate = os.path.join(self.dir, "state-slave")
        self.conf = os.path.join(self.dir, "cluster.yaml")
        # Mutual TLS is the default; BENCH_TRANSPORT=plain measures without it (docs/benchmarks.md).
        transport = os.environ.get("BENCH_TRANSPORT", "tls")
        with open(self.conf, "w") as f:
            f.write("cluster: bench\nmass_delete_threshold: 1\ntransport: " + transport + "\nnodes:\n"
                    "  - {name: master, role: master, host: 127.0.0.1, port: %d, docroot: %s, state_dir: %s}\n"
                    "  - {name: slave, role: slave, host: 127.0.0.1, port: %d, docroot: %s, state_dir: %s}\n"
                    % (free_port(), src, self.mstate, free_port(), dst, self.sstate))
        self.sport = int(re.findall(r"port: (\d+)", open(self.conf).read())[1])
        self.master = self.slave = None
        self.run = 0
        self._certs()

    def _certs(self):
        """`replicator certs`: the CA (kept in self.dir/ca) and each node's key and certificate; untimed."""
        r = subprocess.run([LAUNCHER, "certs", "--config", self.conf], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("replicator certs failed (exit %d): %s" % (r.returncode, r.stdout))

    def fresh(self):
        """Forget all state: a new install on both sides (the docroots are handled by the caller)."""
        rmtree(self.mstate)
        rmtree(self.sstate)
        rmtree(os.path.join(self.src, ".replicator"))
        self._certs()

    def _agent(self, node):
        self.run += 1
        logf = open(os.path.join(self.dir, "%s-%d.log" % (node, self.run)), "wb")
        p = spawn([LAUNCHER, "agent", "--config", self.conf, "--node", node], name="replicator-" + node,
                  stdout=logf, stderr=subprocess.STDOUT)
        p.logpath = logf.name
        return p

    def control(self, request, timeout=5):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(os.path.join(self.mstate, "control.sock"))
            s.sendall((json.dumps(request) + "\n").encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        answer = json.loads(data)
        if not answer.get("ok"):
            raise RuntimeError("agent refused: %s" % answer.get("error"))
        return answer["result"]

    def wait_synced(self, t0, timeout=900):
        """Polls the master's control socket until `wait` answers applied; returns seconds since t0."""
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if self.master.poll() is not None:
                raise RuntimeError("master agent exited (code %s) after %.1f s: %s" % (
                    self.master.returncode, time.monotonic() - t0, log_gist(self.master.logpath)))
            try:
                r = self.control({"command": "wait", "timeoutMillis": int((deadline - time.monotonic()) * 1000)},
                                 timeout=timeout)
                if r.get("applied"):
                    return time.monotonic() - t0
            except (OSError, ValueError):
                time.sleep(0.005)
        raise RuntimeError("replicator not in sync after %ds" % timeout)

    def start(self, src=None, dst=None, timeout=900, together=False):
        """Starts slave then master; returns seconds from the master's start (or from both starts
        when together=True) until `wait` returns."""
        if together:
            t0 = time.monotonic()
            self.slave = self._agent("slave")
            self.master = self._agent("master")
        else:
            self.slave = self._agent("slave")
            wait_port(self.sport, 60)
            t0 = time.monotonic()
            self.master = self._agent("master")
        self.t0_wall = time.time() - (time.monotonic() - t0)
        return self.wait_synced(t0, timeout)

    def slave_status(self):
        return self.control({"command": "status"})["slaves"][0]

    def pid(self):
        return self.master.pid

    def bytes_mark(self):
        s = self.slave_status()
        return s["sentBytes"], s["receivedBytes"]

    def bytes_since(self, mark):
        time.sleep(0.3)
        s = self.slave_status()
        return s["sentBytes"] - mark[0], s["receivedBytes"] - mark[1]

    def phases(self):
        """Timestamps from the master's log, relative to its start: where the time went."""
        out = {}
        try:
            for line in open(self.master.logpath, errors="replace"):
                m = re.match(r"(\S+Z) ", line)
                if not m:
                    continue
                t = parse_iso(m.group(1)) - self.t0_wall
                if "role=master" in line and "entries=" in line and "index loaded/scanned" not in out:
                    out["index loaded/scanned"] = t
                elif " connected" in line and "connected" not in out:
                    out["connected"] = t
                elif "catching up" in line and "catch-up planned" not in out:
                    out["catch-up planned"] = t
                    m2 = re.search(r"catching up to batch \d+: (\d+) ops, (\d+) bytes", line)
                    if m2:
                        out["catch-up ops"] = int(m2.group(1))
                        out["catch-up bytes"] = int(m2.group(2))
        except OSError:
            pass
        return out

    def stop(self):
        stop(self.master)
        stop(self.slave)


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------

def gen_uploads(root, count, total_bytes, seed=20240611):
    """Deterministic incompressible 'uploads': a seeded PRNG picks sizes and bytes."""
    rng = random.Random(seed)
    weights = [rng.lognormvariate(0, 1.2) for _ in range(count)]
    scale = total_bytes / sum(weights)
    sizes = [max(1, int(w * scale)) for w in weights]
    sizes[-1] += total_bytes - sum(sizes)
    for i, size in enumerate(sizes):
        year = 2019 + i * 6 // count
        month = 1 + (i * 72 // count) % 12
        d = os.path.join(root, "wp-content", "uploads", str(year), "%02d" % month)
        os.makedirs(d, exist_ok=True)
        ext = ("jpg", "png", "webp", "pdf", "mp4")[i % 5]
        write_file(os.path.join(d, "upload-%05d.%s" % (i, ext)), rng.randbytes(size))


def gen_small(root, count, seed=7):
    rng = random.Random(seed)
    per_dir = 500
    for i in range(count):
        d = os.path.join(root, "d%03d" % (i // per_dir // 20), "s%03d" % (i // per_dir))
        if i % per_dir == 0:
            os.makedirs(d, exist_ok=True)
        write_file(os.path.join(d, "f%06d.php" % i), rng.randbytes(rng.randint(64, 2048)))


# --------------------------------------------------------------------------------------------
# latency scenarios
# --------------------------------------------------------------------------------------------

class LatencyBench:
    def __init__(self, args, watcher):
        self.a = args
        self.w = watcher
        self.rng = random.Random(42)
        self.gap = 0.05

    def content(self, size):
        data = self.rng.randbytes(size)
        return data, hashlib.sha1(data).hexdigest()

    def prepare(self, src):
        """The base tree both tools sync before the latency scenarios."""
        self.digests = {}
        lat = os.path.join(src, "lat")
        for sub in ("create", "mod", "ren", "del", "dirs", "stream"):
            os.makedirs(os.path.join(lat, sub), exist_ok=True)
        for i in range(self.a.reps):
            for sub in ("mod", "ren", "del"):
                data, dig = self.content(4096)
                write_file(os.path.join(lat, sub, "f%03d.txt" % i), data)
                self.digests["%s/%d" % (sub, i)] = dig
        for r in range(self.a.dir_reps):
            d = os.path.join(lat, "dirs", "d%02d" % r)
            os.makedirs(d)
            for j in range(self.a.dir_files):
                data, dig = self.content(4096)
                write_file(os.path.join(d, "f%03d.txt" % j), data)
                self.digests["dir/%d/%d" % (r, j)] = dig
        for r in range(self.a.burst_reps):
            os.makedirs(os.path.join(lat, "burst%d" % r))

    def _one(self, items, op, timeout=15):
        self.w.expect(items)
        op()
        t = time.monotonic()
        res = self.w.collect(timeout)
        arrivals = [res["arrived"][k] - t for k in res["arrived"]]
        return arrivals, len(res["missing"])

    def single(self, tool, src, dst, kind):
        lats, missing = [], 0
        for i in range(self.a.reps):
            if kind == "create":
                rel = "lat/create/f%03d.txt" % i
                data, dig = self.content(4096)
                items = [["k", os.path.join(dst, rel), "content", len(data), dig]]
                op = lambda: write_file(os.path.join(src, rel), data)
            elif kind == "modify":
                rel = "lat/mod/f%03d.txt" % i
                data, dig = self.content(4096)  # same size, new content
                items = [["k", os.path.join(dst, rel), "content", len(data), dig]]
                op = lambda: write_file(os.path.join(src, rel), data)
            elif kind == "rename":
                rel = "lat/ren/f%03d.txt" % i
                new = "lat/ren/g%03d.txt" % i
                items = [["k", os.path.join(dst, new), "content", 4096, self.digests["ren/%d" % i]]]
                op = lambda: os.rename(os.path.join(src, rel), os.path.join(src, new))
            elif kind == "delete":
                rel = "lat/del/f%03d.txt" % i
                items = [["k", os.path.join(dst, rel), "absent", 0, ""]]
                op = lambda: os.unlink(os.path.join(src, rel))
            arr, miss = self._one(items, op)
            lats += [x * 1000 for x in arr]
            missing += miss
            time.sleep(self.gap)
        return {"ms": lats, "missing": missing}

    def dirrename(self, tool, src, dst):
        lats, missing, sent, recv = [], 0, [], []
        for r in range(self.a.dir_reps):
            old = os.path.join("lat", "dirs", "d%02d" % r)
            new = os.path.join("lat", "dirs", "moved%02d" % r)
            items = [["%d" % j, os.path.join(dst, new, "f%03d.txt" % j), "content", 4096,
                      self.digests["dir/%d/%d" % (r, j)]] for j in range(self.a.dir_files)]
            items.append(["old", os.path.join(dst, old), "absent", 0, ""])
            mark = tool.bytes_mark()
            arr, miss = self._one(items, lambda: os.rename(os.path.join(src, old), os.path.join(src, new)))
            if arr:
                lats.append(max(arr) * 1000)
            missing += miss
            s, rc = tool.bytes_since(mark)
            sent.append(s)
            recv.append(rc)
            time.sleep(self.gap)
        return {"ms": lats, "missing": missing, "sent": sent, "recv": recv}

    def burst(self, tool, src, dst):
        per_rep_p99, all_ms, missing, spans = [], [], 0, []
        for r in range(self.a.burst_reps):
            d = os.path.join("lat", "burst%d" % r)
            files = []
            for j in range(self.a.burst):
                data, dig = self.content(self.rng.randint(512, 8192))
                files.append((os.path.join(d, "f%04d.txt" % j), data, dig))
            items = [[rel, os.path.join(dst, rel), "content", len(data), dig] for rel, data, dig in files]
            self.w.expect(items)
            done = {}
            t_start = time.monotonic()
            for rel, data, _ in files:
                write_file(os.path.join(src, rel), data)
                done[rel] = time.monotonic()
            res = self.w.collect(60)
            ms = [(res["arrived"][k] - done[k]) * 1000 for k in res["arrived"]]
            missing += len(res["missing"])
            all_ms += ms
            per_rep_p99.append(pct(ms, 99))
            spans.append((max(res["arrived"].values()) - t_start) * 1000 if res["arrived"] else float("nan"))
            time.sleep(0.5)
        return {"ms": all_ms, "missing": missing, "rep_p99": per_rep_p99, "span_ms": spans}

    def stream(self, tool, src, dst):
        n = int(self.a.stream_rate * self.a.stream_seconds)
        files = []
        for j in range(n):
            data, dig = self.content(self.rng.randint(512, 8192))
            files.append(("lat/stream/f%05d.txt" % j, data, dig))
        done = {}
        t0 = time.monotonic()
        for j, (rel, data, dig) in enumerate(files):
            due = t0 + j / self.a.stream_rate
            while True:
                now = time.monotonic()
                if now >= due:
                    break
                time.sleep(min(0.002, due - now))
            self.w.expect([[rel, os.path.join(dst, rel), "content", len(data), dig]])
            write_file(os.path.join(src, rel), data)
            done[rel] = time.monotonic()
        res = self.w.collect(30)
        ms = [(res["arrived"][k] - done[k]) * 1000 for k in res["arrived"]]
        return {"ms": ms, "missing": len(res["missing"])}


def run_latency(args, tmp, tool_name, results):
    src = os.path.join(tmp, "lat-%s-src" % tool_name)
    dst = os.path.join(tmp, "lat-%s-dst" % tool_name)
    os.makedirs(src)
    os.makedirs(dst)
    watcher = Watcher()
    lb = LatencyBench(args, watcher)
    lb.prepare(src)
    tool = Lsyncd(tmp) if tool_name == "lsyncd" else Replicator(tmp, "lat", src, dst)
    try:
        log("%s: starting for the latency scenarios" % tool_name)
        tool.start(src, dst)
        time.sleep(1.0)
        res = results.setdefault("latency", {}).setdefault(tool_name, {})
        results.setdefault("load", {})["latency " + tool_name] = os.getloadavg()
        if "latency" in args.only:
            for kind in ("create", "modify", "rename", "delete"):
                res[kind] = lb.single(tool, src, dst, kind)
                log("%s %-7s p50 %.1f p99 %.1f ms (missing %d)" % (
                    tool_name, kind, pct(res[kind]["ms"], 50), pct(res[kind]["ms"], 99), res[kind]["missing"]))
        if "dirrename" in args.only:
            res["dirrename"] = lb.dirrename(tool, src, dst)
            log("%s dir rename p50 %.1f ms, bytes sent %s" % (
                tool_name, pct(res["dirrename"]["ms"], 50), res["dirrename"]["sent"]))
        if "burst" in args.only:
            res["burst"] = lb.burst(tool, src, dst)
            log("%s burst of %d p99 %.1f ms (per rep %s)" % (
                tool_name, args.burst, pct(res["burst"]["ms"], 99),
                ["%.0f" % x for x in res["burst"]["rep_p99"]]))
        if "stream" in args.only:
            res["stream"] = lb.stream(tool, src, dst)
            log("%s stream p99 %.1f ms" % (tool_name, pct(res["stream"]["ms"], 99)))
        try:
            res["cpu_s"] = cpu_seconds(tool.pid())
        except Exception:
            pass
    finally:
        tool.stop()
        watcher.close()
        stop(watcher.proc)
        rmtree(src)
        rmtree(dst)


# --------------------------------------------------------------------------------------------
# initial sync, restart, RSS
# --------------------------------------------------------------------------------------------

def run_initial(args, tmp, label, src, results, tools, keep_replicator=False):
    """Initial sync of src to an empty target by each tool, args.sync_reps times each."""
    files, nbytes = tree_size(src)
    out = results.setdefault("initial", {}).setdefault(label, {"files": files, "bytes": nbytes})
    dst = os.path.join(tmp, "sync-dst")
    reps = args.sync_reps if label == "wp" else args.small_reps
    results.setdefault("load", {})[label + " start"] = os.getloadavg()
    if "rsync" in tools:
        os.makedirs(dst, exist_ok=True)
        daemon = RsyncDaemon(tmp, dst)
        try:
            for variant, extra in (("rsync", ()), ("rsync --fsync", ("--fsync",))):
                times = []
                for rep in range(reps):
                    for e in os.listdir(dst):
                        rmtree(os.path.join(dst, e))
                    subprocess.run(["sync"])
                    dt, sent, recv = rsync_push(src, daemon.url, extra)
                    times.append(dt)
                    log("%s %s rep %d: %.2f s (sent %d B)" % (label, variant, rep + 1, dt, sent))
                verify_same(src, dst, "%s %s" % (label, variant))
                out[variant] = {"s": times}
            if label == "small":
                # no-op run: everything already there
                times, xfer = [], []
                for rep in range(args.sync_reps):  # cheap: always the full count
                    dt, sent, recv = rsync_push(src, daemon.url)
                    times.append(dt)
                    xfer.append(sent + recv)
                    log("small rsync no-op rep %d: %.2f s, %d B exchanged" % (rep + 1, dt, sent + recv))
                results.setdefault("restart", {})["rsync (no-op run)"] = {"s": times, "bytes": xfer}
        finally:
            daemon.stop()
            rmtree(dst)
    if "lsyncd" in tools and label == "small":
        # lsyncd restart with nothing changed = its startup rsync over an in-sync tree; and its RSS
        os.makedirs(dst, exist_ok=True)
        daemon = RsyncDaemon(tmp, dst)
        rsync_push(src, daemon.url)
        daemon.stop()
        times, rss = [], None
        for rep in range(reps):
            ls = Lsyncd(tmp)
            try:
                dt = ls.start(src, dst)
                times.append(dt)
                time.sleep(1)
                rss = rss_kb(ls.pid())
                log("small lsyncd restart rep %d: %.2f s, RSS %s kB" % (rep + 1, dt, rss))
            finally:
                ls.stop()
        results.setdefault("restart", {})["lsyncd (startup rsync)"] = {"s": times}
        results.setdefault("rss", {})["lsyncd"] = rss
        rmtree(dst)
    if "replicator" in tools:
        rmtree(dst)
        os.makedirs(dst, exist_ok=True)
        rep_tool = Replicator(tmp, label, src, dst)
        times, phases, cpu = [], [], []
        try:
            for rep in range(reps):
                rep_tool.stop()
                rep_tool.fresh()
                rmtree(dst)
                os.makedirs(dst)
                subprocess.run(["sync"])
                try:
                    dt = rep_tool.start(timeout=args.sync_timeout)
                except RuntimeError as e:
                    log("%s replicator rep %d failed: %s" % (label, rep + 1, e))
                    out[args.replicator_label] = {"error": str(e)}
                    results.setdefault("errors", []).append("initial sync %s, replicator: %s" % (label, e))
                    return
                times.append(dt)
                phases.append(rep_tool.phases())
                cpu.append((cpu_seconds(rep_tool.master.pid), cpu_seconds(rep_tool.slave.pid)))
                log("%s replicator rep %d: %.2f s  phases %s  cpu master/slave %.1f/%.1f s" % (
                    label, rep + 1, dt, phases[-1], cpu[-1][0], cpu[-1][1]))
                verify_same(src, dst, "%s replicator" % label)
            out[args.replicator_label] = {"s": times, "phases": phases, "cpu": cpu}
            if label == "small" and "restart" in args.only:
                try:
                    run_restart(args, rep_tool, results)
                except RuntimeError as e:
                    log("restart failed: %s" % e)
                    results.setdefault("errors", []).append("restart, replicator: %s" % e)
        finally:
            rep_tool.stop()
            rep_tool.fresh()
            rmtree(dst)


def run_restart(args, tool, results):
    """Both agents restarted on an in-sync 100k-file tree: time to in sync, bytes exchanged, RSS."""
    times, xfer, phases = [], [], []
    rss = None
    for rep in range(max(3, args.small_reps) if not args.quick else 1):
        tool.stop()
        dt = tool.start(together=True, timeout=300)
        st = tool.slave_status()
        times.append(dt)
        xfer.append(st["sentBytes"] + st["receivedBytes"])
        phases.append(tool.phases())
        log("restart rep %d: in sync %.2f s after start, %d B exchanged, phases %s" % (
            rep + 1, dt, xfer[-1], phases[-1]))
    time.sleep(args.rss_settle)
    rss = rss_kb(tool.master.pid)
    rss_slave = rss_kb(tool.slave.pid)
    log("master RSS %s kB, slave %s kB" % (rss, rss_slave))
    results.setdefault("restart", {})["replicator"] = {"s": times, "bytes": xfer, "phases": phases}
    results.setdefault("rss", {})["replicator master"] = rss
    results["rss"]["replicator slave"] = rss_slave


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------

def machine_facts():
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True).stdout.strip()
        except Exception as e:
            return str(e)
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": sh("nproc"),
        "cpu": cpu,
        "free": sh("free -m"),
        "kernel": platform.release(),
        "fs": sh("df -hT %s | tail -1" % tempfile.gettempdir()),
        "java": sh("java -version 2>&1 | head -1"),
        "rsync": sh("rsync --version | head -1"),
        "lsyncd": sh("lsyncd --version 2>&1 | head -1"),
        "python": platform.python_version(),
        "mount": sh("findmnt -no OPTIONS -T %s" % tempfile.gettempdir()),
        "fsync_ms": fsync_probe(),
        "java_opts": os.environ.get("REPLICATOR_JAVA_OPTS", "(launcher default)"),
    }


def fsync_probe(n=50):
    """Median time to write and fsync one new 4 KiB file in the temp filesystem, in ms."""
    d = tempfile.mkdtemp(prefix="fsync-probe-")
    times = []
    try:
        for i in range(n):
            t = time.monotonic()
            fd = os.open(os.path.join(d, "f%d" % i), os.O_CREAT | os.O_WRONLY, 0o644)
            os.write(fd, os.urandom(4096))
            os.fsync(fd)
            os.close(fd)
            times.append((time.monotonic() - t) * 1000)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return statistics.median(times)


def fmt(x, d=1):
    if x is None or (isinstance(x, float) and x != x):
        return "–"
    return ("%." + str(d) + "f") % x


def ratio(a, b):
    try:
        if a != a or b != b or b == 0:
            return "–"
        return "%.1f×" % (a / b)
    except TypeError:
        return "–"


TARGETS = {
    "create": "p99 ≤ 50 ms", "modify": "p99 ≤ 50 ms", "rename": "p99 ≤ 50 ms", "delete": "p99 ≤ 50 ms",
    "dirrename": "p99 ≤ 50 ms (single op)", "burst": "p99 ≤ 300 ms", "stream": "p99 ≤ 60 ms",
}


def write_report(args, results, facts, started, elapsed, path):
    L = []
    L.append("# Benchmarks\n")
    L.append("Replicator against the tools it replaces, measured side by side in one run by "
             "`bench/run.sh` (`bench/bench.py`, Python 3 stdlib). Everything runs on 127.0.0.1 on "
             "one machine: lsyncd %s with `delay = 0` pushing to an rsync daemon, plain rsync to the "
             "same kind of daemon, and Replicator with one master and one slave agent process. "
             "The script is not part of CI: it takes minutes, writes about 1 GB and its figures depend "
             "on the machine. Machines are noisy: read the medians and the ratios, not single runs.\n"
             % facts["lsyncd"].split()[-1])
    L.append("## How this run was made\n")
    L.append("```sh\n%s\n```\n" % args.command_line)
    L.append("Run started %s, took %.0f s%s.\n" % (started, elapsed,
             " (**--quick**: reduced sizes, a smoke test — not the reference figures)" if args.quick else ""))
    L.append("| machine | |\n| --- | --- |")
    L.append("| CPUs (`nproc`) | %s (%s) |" % (facts["nproc"], facts["cpu"]))
    mem = [l for l in facts["free"].splitlines() if l.startswith("Mem:")]
    L.append("| memory (`free -m`) | %s |" % (" ".join(mem[0].split()[1:3]) + " MB total/used" if mem else "?"))
    L.append("| kernel | %s |" % facts["kernel"])
    L.append("| temp filesystem | `%s`, mounted `%s` |" % (facts["fs"], facts["mount"]))
    L.append("| write + fsync of one new 4 KiB file | %.1f ms (median of 50, measured when the report was written) |" % facts["fsync_ms"])
    L.append("| Java | %s; agent JVM options: %s |" % (facts["java"], facts["java_opts"]))
    L.append("| rsync / lsyncd / Python | %s / %s / %s |\n" % (facts["rsync"], facts["lsyncd"], facts["python"]))

    if results.get("load"):
        L.append("Load average (1/5/15 min) when each part started — other jobs were running: "
                 + "; ".join("%s %s" % (k, "/".join("%.1f" % x for x in v)) for k, v in results["load"].items())
                 + ".\n")
    L.append("Sizes: %d reps per single-file op (4 KiB files), %d renames of a directory of %d × 4 KiB "
             "files, %d bursts of %d files (0.5–8 KiB), a stream of %d files/s for %d s, "
             "initial syncs of WordPress repeated %d× (median shown), of the small-file tree %d×, "
             "restarts %d×.\n" % (
                 args.reps, args.dir_reps, args.dir_files, args.burst_reps, args.burst,
                 args.stream_rate, args.stream_seconds, args.sync_reps, args.small_reps,
                 len(results.get("restart", {}).get("replicator", {}).get("s", []))))

    lat = results.get("latency", {})
    if lat:
        L.append("## Latency: write on the master done → right content visible on the target\n")
        L.append("Milliseconds. A watcher process polls the target every ~1 ms (same method for every "
                 "tool); the writer takes CLOCK_MONOTONIC when its `close()`/`rename()`/`unlink()` "
                 "returns. Single ops are spaced by 50 ms of quiet. *Burst*: %d files written as fast "
                 "as possible, latency of each file from its own write; *dir rename*: time until all "
                 "%d files are visible under the new name and the old name is gone.\n"
                 % (args.burst, args.dir_files))
        L.append("| scenario | lsyncd p50 | p95 | p99 | Replicator p50 | p95 | p99 | p99 lsyncd / Replicator | target (Replicator) | met |")
        L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
        names = [("create", "create a file"), ("modify", "modify (same size)"), ("rename", "rename a file"),
                 ("delete", "delete a file"), ("dirrename", "rename dir of %d files" % args.dir_files),
                 ("burst", "burst of %d files" % args.burst),
                 ("stream", "stream %d files/s, %d s" % (args.stream_rate, args.stream_seconds))]
        limits = {"create": 50, "modify": 50, "rename": 50, "delete": 50, "dirrename": 50, "burst": 300, "stream": 60}
        for key, label in names:
            ls = lat.get("lsyncd", {}).get(key)
            rp = lat.get("replicator", {}).get(key)
            if not ls and not rp:
                continue
            row = [label]
            for r in (ls, rp):
                if r:
                    row += [fmt(pct(r["ms"], 50)), fmt(pct(r["ms"], 95)), fmt(pct(r["ms"], 99))]
                    if r.get("missing"):
                        row[-1] += " (%d lost)" % r["missing"]
                else:
                    row += ["–"] * 3
            a = pct(ls["ms"], 99) if ls else float("nan")
            b = pct(rp["ms"], 99) if rp else float("nan")
            row.append(ratio(a, b))
            row.append(TARGETS[key])
            row.append(("yes" if b <= limits[key] else "**no**") if rp else "–")
            L.append("| " + " | ".join(row) + " |")
        L.append("")
        extra = []
        for t in ("lsyncd", "replicator"):
            b = lat.get(t, {}).get("burst")
            if b:
                extra.append("%s burst p99 per run: %s ms; whole burst visible after %s ms" % (
                    t, ", ".join(fmt(x, 0) for x in b["rep_p99"]), ", ".join(fmt(x, 0) for x in b["span_ms"])))
        if extra:
            L.append("\n".join("- " + e for e in extra) + "\n")
        dr_l = lat.get("lsyncd", {}).get("dirrename")
        dr_r = lat.get("replicator", {}).get("dirrename")
        if dr_l or dr_r:
            L.append("### Bytes on the wire for renaming a directory of %d files (%d KiB of content)\n"
                     % (args.dir_files, args.dir_files * 4))
            L.append("| tool | median bytes sent | median bytes received | source |")
            L.append("| --- | ---: | ---: | --- |")
            if dr_l:
                L.append("| lsyncd → rsync | %d | %d | rsync `--stats` in lsyncd's log, summed over the runs the rename caused |"
                         % (statistics.median(dr_l["sent"]), statistics.median(dr_l["recv"])))
            if dr_r:
                L.append("| Replicator | %d | %d | master status `sentBytes`/`receivedBytes` delta |"
                         % (statistics.median(dr_r["sent"]), statistics.median(dr_r["recv"])))
            L.append("")

    init = results.get("initial", {})
    if init:
        L.append("## Initial sync to an empty target\n")
        L.append("rsync: `rsync -a --delete` to the daemon (and with `--fsync`); every run starts from an "
                 "empty target after a `sync`, with the source in the page cache. Replicator: fresh state "
                 "dirs and an empty slave docroot, slave agent already listening; time from starting the "
                 "master's agent (JVM start, scan, hashing, transfer, apply with fsync of every file) until "
                 "`wait` on its control socket returns. Every run is checked with a tree comparison.\n")
        L.append("| tree | tool | median s | runs (s) | MB/s | files/s | vs rsync --fsync | vs rsync | target |")
        L.append("| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |")
        for label, title in (("wp", "WordPress + uploads"), ("small", "small files")):
            r = init.get(label)
            if not r:
                continue
            tname = "%s (%d files, %.0f MB)" % (title, r["files"], r["bytes"] / 1e6)
            med = {k: statistics.median(v["s"]) for k, v in r.items() if isinstance(v, dict) and v.get("s")}
            for tool in [k for k, v in r.items() if isinstance(v, dict)]:
                if r[tool].get("error"):
                    L.append("| %s | %s | **failed** | %s | | | | | |" % (
                        tname, tool, r[tool]["error"][:400].replace("|", "/")))
                    continue
                m = med[tool]
                target = ""
                if tool.startswith("replicator"):
                    ok = ("rsync --fsync" in med and med["rsync --fsync"] >= 2 * m) and ("rsync" in med and med["rsync"] >= m)
                    target = "≥ 2× faster than rsync --fsync and ≤ rsync: %s" % ("met" if ok else "**not met**")
                L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    tname, tool, fmt(m, 2), ", ".join(fmt(x, 2) for x in r[tool]["s"]),
                    fmt(r["bytes"] / 1e6 / m, 1), fmt(r["files"] / m, 0),
                    ratio(med.get("rsync --fsync", float("nan")), m) if tool != "rsync --fsync" else "",
                    ratio(med.get("rsync", float("nan")), m) if tool != "rsync" else "", target))
        L.append("")
        for label in ("wp", "small"):
            for rkey in [k for k in init.get(label, {}) if k.startswith("replicator")]:
                ph = init[label][rkey].get("phases")
                if not ph:
                    continue
                runs = []
                for p, c in zip(ph, init[label][rkey]["cpu"]):
                    runs.append(", ".join("%s %s" % (k, fmt(v, 2) if isinstance(v, float) else v)
                                          for k, v in p.items()) + " (cpu %.1f/%.1f)" % tuple(c))
                L.append("%s phases, %s (seconds after the master's start, from its log; CPU seconds "
                         "master/slave): %s\n" % (rkey, label, "; ".join(runs)))

    rs = results.get("restart", {})
    if rs:
        L.append("## Restart with nothing changed (%s small files)\n" % (
            "%d" % init.get("small", {}).get("files", args.small)))
        L.append("Replicator: both agents stopped (SIGTERM) and started again at the same moment; time "
                 "until `wait` returns; bytes = the slave's `sentBytes + receivedBytes` in the master's "
                 "status. rsync: a no-op run over the in-sync tree (`Total bytes sent + received`). "
                 "lsyncd: its startup rsync over the in-sync tree, until it logs `Startup ... finished`.\n")
        L.append("| tool | median s | runs (s) | bytes exchanged (median) | target |")
        L.append("| --- | ---: | --- | ---: | --- |")
        for k, v in rs.items():
            b = statistics.median(v["bytes"]) if v.get("bytes") else None
            target = ""
            if k == "replicator":
                ok = statistics.median(v["s"]) <= 2 and b is not None and b < 100_000
                target = "≤ 2 s, < 100 KB: %s" % ("met" if ok else "**not met**")
            L.append("| %s | %s | %s | %s | %s |" % (k, fmt(statistics.median(v["s"]), 2),
                     ", ".join(fmt(x, 2) for x in v["s"]), "–" if b is None else "%d" % b, target))
        L.append("")
        ph = rs.get("replicator", {}).get("phases")
        if ph:
            L.append("Replicator restart phases (seconds after the start, from the master's log): %s\n" % "; ".join(
                ", ".join("%s %s" % (k, fmt(v, 2) if isinstance(v, float) else v) for k, v in p.items()) for p in ph))

    rss = results.get("rss", {})
    if rss:
        L.append("## Memory with the %s-file tree watched\n" % init.get("small", {}).get("files", args.small))
        L.append("`VmRSS` (and peak `VmHWM`) from `/proc/PID/status`, %d s after being in sync.\n" % args.rss_settle)
        L.append("| process | RSS MB | peak MB | target |")
        L.append("| --- | ---: | ---: | --- |")
        for k, v in rss.items():
            if not v:
                continue
            target = ""
            if k == "replicator master":
                target = "≤ 128 MB: %s" % ("met" if v["VmRSS"] / 1024 <= 128 else "**not met**")
            L.append("| %s | %.1f | %.1f | %s |" % (k, v["VmRSS"] / 1024, v.get("VmHWM", 0) / 1024, target))
        L.append("")

    if results.get("errors"):
        L.append("## Failures during this run\n")
        for e in results["errors"]:
            L.append("- " + e.replace("\n", " ")[:600])
        L.append("")
    L.append("## Not measured here\n")
    L.append("- 8 slave agents (target: p99 at most 1.5× the one-slave figure, each changed file read "
             "once on the master): not part of this script yet.\n")
    L.append("<!-- WHAT-LIMITS-IT -->\n")
    limits_text = ""
    if os.path.exists(path):
        old = open(path).read()
        m = re.search(r"(## What limits it.*)", old, re.S)
        if m:
            limits_text = m.group(1)
    L.append(limits_text or "## What limits it\n\n(to be written from the figures above)\n")
    with open(path, "w") as f:
        f.write("\n".join(L).rstrip() + "\n")


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------

def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--watcher":
        return watcher_main()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke test in a couple of minutes")
    ap.add_argument("--only", default=",".join(ALL_SCENARIOS),
                    help="comma list of scenarios: " + " ".join(ALL_SCENARIOS) + " (restart needs small)")
    ap.add_argument("--tools", default=",".join(ALL_TOOLS), help="comma list: " + " ".join(ALL_TOOLS))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"),
                    help="report to write (default docs/benchmarks.md); '-' for none")
    ap.add_argument("--json", help="also write the raw results as JSON here")
    ap.add_argument("--merge", help="start from the results in this JSON file (from --json) and let this "
                    "run's scenarios replace theirs: rerun a subset and still get the whole report")
    ap.add_argument("--tmp", default=None, help="parent of the temp dir (default $TMPDIR or /tmp)")
    ap.add_argument("--reps", type=int, help="reps per single-file op (default 50, quick 10)")
    ap.add_argument("--sync-reps", type=int, help="runs per initial sync (default 3, quick 1)")
    ap.add_argument("--small-reps", type=int, help="runs per initial sync of the small-file tree and "
                    "restarts (default 1: rsync --fsync and fsync-per-file take minutes on 100,000 files)")
    ap.add_argument("--logs", help="copy the agents' and lsyncd's logs into this directory")
    ap.add_argument("--small", type=int, help="small files (default 100000, quick 5000)")
    ap.add_argument("--uploads-mb", type=float, help="uploads in MB (default 403, quick 20)")
    ap.add_argument("--sync-timeout", type=int, default=900)
    ap.add_argument("--replicator-label", default="replicator",
                    help="name of Replicator's rows in the initial-sync table (e.g. to add a run with "
                    "other REPLICATOR_JAVA_OPTS next to the default one with --merge)")
    args = ap.parse_args()
    args.only = set(args.only.split(",")) - {"none"}  # --only none --merge F: re-render a report
    args.tools = set(args.tools.split(","))
    unknown = (args.only - set(ALL_SCENARIOS)) | (args.tools - set(ALL_TOOLS))
    if unknown:
        ap.error("unknown scenario or tool: %s" % ", ".join(sorted(unknown)))
    q = args.quick
    args.reps = args.reps or (10 if q else 50)
    args.sync_reps = args.sync_reps or (1 if q else 3)
    args.small_reps = args.small_reps or 1
    args.small = args.small or (5000 if q else 100000)
    args.uploads_mb = args.uploads_mb or (20 if q else 403)
    args.uploads_files = 60 if q else 1564
    args.dir_reps = 3 if q else 10
    args.dir_files = 200
    args.burst_reps = 1 if q else 3
    args.burst = 200 if q else 1000
    args.stream_rate = 50
    args.stream_seconds = 3 if q else 10
    args.rss_settle = 2
    args.command_line = "bench/run.sh " + " ".join(sys.argv[1:])

    if os.geteuid() != 0:
        log("warning: not root; the rsync daemon runs as this user")
    need = []
    if args.tools & {"rsync", "lsyncd"}:
        need.append("rsync")
    if "lsyncd" in args.tools:
        need.append("lsyncd")
    if "replicator" in args.tools and not os.path.exists(os.path.join(ROOT, "replicator-cli", "target", "replicator.jar")):
        sys.exit("bench: build first: mvn -q package -DskipTests")
    for n in need:
        if shutil.which(n) is None:
            sys.exit("bench: %s not installed (apt-get install %s)" % (n, n))

    tmp = tempfile.mkdtemp(prefix="replicator-bench-", dir=args.tmp)
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    t_start = time.monotonic()
    results = {}
    interrupted = []

    def on_signal(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if args.only & {"latency", "dirrename", "burst", "stream"}:
            for t in ("lsyncd", "replicator"):
                if t in args.tools:
                    try:
                        run_latency(args, tmp, t, results)
                    except Exception as e:
                        log("%s latency failed: %s" % (t, e))
                        results.setdefault("errors", []).append("latency, %s: %s" % (t, e))
        if "wp" in args.only:
            src = os.path.join(tmp, "wp-src")
            log("generating WordPress + %.0f MB uploads" % args.uploads_mb)
            subprocess.run(["cp", "-a", WORDPRESS, src], check=True)
            gen_uploads(src, args.uploads_files, int(args.uploads_mb * 1e6))
            run_initial(args, tmp, "wp", src, results, args.tools)
            rmtree(src)
        if "small" in args.only:
            src = os.path.join(tmp, "small-src")
            log("generating %d small files" % args.small)
            gen_small(src, args.small)
            run_initial(args, tmp, "small", src, results, args.tools)
            rmtree(src)
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
    finally:
        stop_all()
        if args.logs:
            os.makedirs(args.logs, exist_ok=True)
            for dirpath, _, names in os.walk(tmp):
                for n in names:
                    if n.endswith((".log", ".out", ".yaml", ".lua", ".conf")):
                        rel = os.path.relpath(os.path.join(dirpath, n), tmp).replace("/", "_")
                        shutil.copy(os.path.join(dirpath, n), os.path.join(args.logs, rel))
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.monotonic() - t_start
    if args.merge:
        def deep(old, new):
            for k, v in new.items():
                if isinstance(v, dict) and isinstance(old.get(k), dict):
                    deep(old[k], v)
                else:
                    old[k] = v
            return old
        with open(args.merge) as f:
            results = deep(json.load(f)["results"], results)
        args.command_line += "   # merged with an earlier run's results for the other scenarios"
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": {k: (sorted(v) if isinstance(v, set) else v) for k, v in vars(args).items()},
                       "results": results}, f, indent=1)
    if args.out != "-" and results and not interrupted:
        write_report(args, results, machine_facts(), started, elapsed, args.out)
        log("wrote %s" % args.out)
    return 1 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
