#!/usr/bin/env python3
"""Startup and memory of Replicator against lsyncd's startup, on one many-file tree (issue 16).

  bench/startup.sh                              # all scenarios, 100,000 files in 5,000 dirs, 3 reps
  bench/startup.sh --files 20000 --dirs 1000    # smaller tree
  bench/startup.sh --only restart,changed       # a subset: firststart restart changed memory
  bench/startup.sh --java-opts "..."            # agents' JVM options instead of the launcher's default

Scenarios (one master and one slave agent on 127.0.0.1, mutual TLS as by default; lsyncd with
delay = 0 pushing to an rsync daemon, as bench/run.sh runs it):

  firststart  the migration from lsyncd: the slave's docroot was filled by rsync and then adopted
              (`replicator adopt`), no state on either node, 1,000 files differ on the master.
              Replicator: both agents started together, until `status` reports every slave live
              with lag 0. lsyncd, in the same rep and on the same tree shape: from its start
              until its startup rsync finished ("Startup of ... finished"), also with 1,000
              different files. The order of the two alternates between reps.
  restart     both agents stopped (SIGTERM) and started together over the in-sync tree: until
              `status` reports in sync.
  changed     the same with 1,000 files rewritten on the master while both were down; the
              slave's copy of each is checked afterwards.
  memory      an initial sync of the whole tree to an empty slave, then 10 s of steady state:
              VmHWM and VmRSS of both agents from /proc/PID/status; with --nmt also
              `jcmd PID VM.native_memory summary` (the agents then run with
              -XX:NativeMemoryTracking=summary added to their options).

"In sync" is read from the master's control socket, the answer `replicator status` prints (exit 0:
state running, every slave live with lagBatches 0), polled every 10 ms; the CLI's own JVM start is
not counted. Times are from the agents' spawn. Each figure is reported per rep, with the median,
and the load average at the rep's start (the machine may be shared: quote it).

Not for CI: it writes 100,000 files and takes several minutes. Every process it starts is stopped
by its PID; its temp directory (under --tmp, default $TMPDIR or /tmp) is removed at the end.
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as B  # noqa: E402  (the side-by-side bench: processes, rsync daemon, lsyncd, agents)

SCENARIOS = ["firststart", "restart", "changed", "memory"]


def gen_tree(root, files, dirs, seed=16):
    """files spread evenly over dirs leaf directories (two levels: 50 parents), 64-2048 bytes each."""
    rng = random.Random(seed)
    parents = max(1, min(50, dirs))
    per_dir = max(1, files // dirs)
    n = 0
    for d in range(dirs):
        path = os.path.join(root, "p%02d" % (d % parents), "d%05d" % d)
        os.makedirs(path, exist_ok=True)
        count = per_dir if d < dirs - 1 else files - n
        for _ in range(count):
            B.write_file(os.path.join(path, "f%06d.php" % n), rng.randbytes(rng.randint(64, 2048)))
            n += 1
    return n


def all_files(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == root and ".replicator" in dirnames:
            dirnames.remove(".replicator")
        out.extend(os.path.join(dirpath, n) for n in filenames)
    out.sort()
    return out


def rewrite(files, count, rng):
    """Rewrites count files picked at random with new content (a new size too): what an update of
    a plugin or a theme does. Returns the paths."""
    picked = rng.sample(files, count)
    for p in picked:
        B.write_file(p, rng.randbytes(rng.randint(64, 2048)))
    return picked


def local_rsync(src, dst):
    """dst made identical to src (content and mtimes): the migration's starting point."""
    subprocess.run(["rsync", "-a", "--delete", "--exclude=/.replicator/", src.rstrip("/") + "/", dst],
                   check=True, stdout=subprocess.DEVNULL)


def same_content(src, dst, paths):
    bad = []
    for p in paths:
        q = os.path.join(dst, os.path.relpath(p, src))
        try:
            with open(p, "rb") as a, open(q, "rb") as b:
                if a.read() != b.read():
                    bad.append(q)
        except OSError:
            bad.append(q)
    return bad


class Agents(B.Replicator):
    """bench.py's master + slave pair, with the JVM options of this run and status polling."""

    def __init__(self, tmp, src, dst, java_opts):
        self.java_opts = java_opts
        self.extra_opts = None
        super().__init__(tmp, "startup", src, dst)

    def _agent(self, node):
        self.run += 1
        logf = open(os.path.join(self.dir, "%s-%d.log" % (node, self.run)), "wb")
        env = dict(os.environ)
        if self.java_opts:
            env["REPLICATOR_JAVA_OPTS"] = self.java_opts
        if self.extra_opts:
            env["REPLICATOR_JAVA_EXTRA_OPTS"] = self.extra_opts
        p = B.spawn([B.LAUNCHER, "agent", "--config", self.conf, "--node", node], name="replicator-" + node,
                    stdout=logf, stderr=subprocess.STDOUT, env=env)
        p.logpath = logf.name
        return p

    def adopt_slave(self):
        r = subprocess.run([B.LAUNCHER, "adopt", "--config", self.conf, "--node", "slave"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError("replicator adopt failed (exit %d): %s" % (r.returncode, r.stdout))

    def forget(self):
        """A new install on both nodes over the trees as they are (markers and state gone)."""
        self.fresh()
        B.rmtree(os.path.join(self.dst, ".replicator"))

    def in_sync(self):
        try:
            s = self.control({"command": "status"}, timeout=2)
        except (OSError, ValueError, RuntimeError):
            return False
        if s.get("state") != "running":
            return False
        return all(x.get("state") == "live" and x.get("lagBatches", 1) == 0 for x in s.get("slaves", [])) and s.get("slaves")

    def start_both(self, timeout=600):
        """Both agents spawned together; seconds until status says in sync."""
        t0 = time.monotonic()
        self.slave = self._agent("slave")
        self.master = self._agent("master")
        self.t0_wall = time.time() - (time.monotonic() - t0)
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            for p, what in ((self.master, "master"), (self.slave, "slave")):
                if p.poll() is not None:
                    raise RuntimeError("%s agent exited (code %s): %s" % (what, p.returncode, B.log_gist(p.logpath)))
            if self.in_sync():
                return time.monotonic() - t0
            time.sleep(0.01)
        raise RuntimeError("not in sync after %ds" % timeout)

    def phases_of(self, p):
        """Seconds after the spawn at which each startup line of an agent's log was written."""
        out = {}
        marks = (("tls loaded", re.compile(r"TLS provider")),
                 ("watches added", re.compile(r"event=watches-added")),
                 ("started", re.compile(r"role=(master|slave).*entries=")),
                 ("connected", re.compile(r" connected|handshake|master .* connected")),
                 ("in sync", re.compile(r"in sync at batch|catching up to batch|resuming from the journal")))
        try:
            for line in open(p.logpath, errors="replace"):
                m = re.match(r"(\S+Z) ", line)
                if not m:
                    continue
                for name, rx in marks:
                    if name not in out and rx.search(line):
                        out[name] = round(B.parse_iso(m.group(1)) - self.t0_wall, 2)
        except OSError:
            pass
        return out

    def cpu(self):
        """CPU seconds each agent used so far: on a shared machine, less noisy than wall time."""
        return {"master": round(B.cpu_seconds(self.master.pid), 2), "slave": round(B.cpu_seconds(self.slave.pid), 2)}

    def threads(self, top=6):
        """CPU seconds per thread name (threads of one name summed), the largest first: where a start's CPU went."""
        out = {}
        for what, p in (("master", self.master), ("slave", self.slave)):
            per = {}
            for tid in os.listdir("/proc/%d/task" % p.pid):
                try:
                    with open("/proc/%d/task/%s/stat" % (p.pid, tid)) as f:
                        text = f.read()
                except OSError:
                    continue
                name = text[text.index("(") + 1:text.rindex(")")]
                fields = text.rsplit(")", 1)[1].split()
                per[name] = per.get(name, 0) + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            out[what] = {k: round(v, 2) for k, v in sorted(per.items(), key=lambda kv: -kv[1])[:top]}
        return out

    def memory(self):
        return {"master": B.rss_kb(self.master.pid), "slave": B.rss_kb(self.slave.pid)}


def jcmd_nmt(pid):
    r = subprocess.run(["jcmd", str(pid), "VM.native_memory", "summary"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return r.stdout


def lsyncd_start(tmp, src, dst):
    ls = B.Lsyncd(tmp)
    try:
        return ls.start(src, dst), ls
    except Exception:
        ls.stop()
        raise


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=100000)
    ap.add_argument("--dirs", type=int, default=5000)
    ap.add_argument("--changed", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default=",".join(SCENARIOS))
    ap.add_argument("--java-opts", default=None, help="agents' JVM options (default: the launcher's)")
    ap.add_argument("--launcher", default=B.LAUNCHER, help="bin/replicator of another build (a before/after run)")
    ap.add_argument("--no-cds-archive", action="store_true",
                    help="do not run `replicator cds-archive` first (the package runs it at install)")
    ap.add_argument("--nmt", action="store_true", help="memory: also run with NMT and print jcmd's summary")
    ap.add_argument("--no-lsyncd", action="store_true")
    ap.add_argument("--tmp", default=None)
    ap.add_argument("--json", help="write the raw results here")
    ap.add_argument("--logs", help="copy the agents' logs here")
    args = ap.parse_args()
    only = set(args.only.split(","))
    if only - set(SCENARIOS):
        ap.error("unknown scenario: %s" % ", ".join(sorted(only - set(SCENARIOS))))
    if not os.path.exists(os.path.join(B.ROOT, "replicator-cli", "target", "replicator.jar")):
        sys.exit("bench: build first: mvn -q package -DskipTests")
    for tool in ["rsync"] + ([] if args.no_lsyncd else ["lsyncd"]):
        if shutil.which(tool) is None:
            sys.exit("bench: %s not installed (apt-get install %s)" % (tool, tool))

    B.LAUNCHER = args.launcher
    tmp = tempfile.mkdtemp(prefix="replicator-startup-", dir=args.tmp)
    if not args.no_cds_archive:
        # As the package does at install, untimed: agents on JDK 17 start with an AppCDS archive.
        # In this run's own directory unless REPLICATOR_CDS_DIR says otherwise: `cds-archive`
        # deletes every other archive of its directory, so two runs sharing ~/.cache/replicator
        # (two builds alternated, or two benches at once) started each other's agents without one.
        os.environ.setdefault("REPLICATOR_CDS_DIR", os.path.join(tmp, "cds"))
        r = subprocess.run([B.LAUNCHER, "cds-archive"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        B.log("cds-archive: %s" % r.stdout.strip().splitlines()[-1:] if r.stdout.strip() else "exit %d" % r.returncode)
    res = {"args": vars(args), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    rng = random.Random(1616)
    agents = None
    try:
        src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
        B.log("generating %d files in %d directories" % (args.files, args.dirs))
        n = gen_tree(src, args.files, args.dirs)
        files = all_files(src)
        B.log("generated %d files" % n)
        os.makedirs(dst)
        local_rsync(src, dst)
        agents = Agents(tmp, src, dst, args.java_opts)

        if only & {"firststart", "restart", "changed"}:
            rows = []
            order = ("replicator",)
            # Without firststart in --only, the reps below are skipped and the agents set up once.
            for rep in range(args.reps if "firststart" in only else 0):
                load = os.getloadavg()
                local_rsync(src, dst)
                row = {"load": load}
                order = ("replicator", "lsyncd") if rep % 2 == 0 else ("lsyncd", "replicator")
                for tool in order:
                    if tool == "lsyncd" and args.no_lsyncd:
                        continue
                    changed = rewrite(files, args.changed, rng)
                    if tool == "lsyncd":
                        agents.stop()  # lsyncd's rsync --delete removes the slave's marker
                        dt, ls = lsyncd_start(tmp, src, dst)
                        ls.stop()
                        row["lsyncd"] = dt
                    else:
                        agents.stop()
                        agents.forget()
                        agents.adopt_slave()
                        row["replicator"] = agents.start_both()
                        row["cpu"] = agents.cpu()
                        row["phases"] = {"master": agents.phases_of(agents.master), "slave": agents.phases_of(agents.slave)}
                    bad = same_content(src, dst, changed)
                    if bad:
                        raise RuntimeError("%s firststart: %d changed files differ on the slave, e.g. %s" % (tool, len(bad), bad[:3]))
                B.log("firststart rep %d (load %.1f): replicator %.2f s (cpu %s), lsyncd %s s, phases %s" % (
                    rep + 1, load[0], row["replicator"], row["cpu"], "%.2f" % row["lsyncd"] if "lsyncd" in row else "-", row["phases"]))
                rows.append(row)
            if rows:
                res["firststart"] = rows
            # The agents of the last rep are running and in sync: restart them. Unless lsyncd ran
            # last: its rsync deleted the slave's marker (and the agents are stopped).
            if agents.master is None or agents.master.poll() is not None or order[-1] == "lsyncd":
                agents.stop()
                agents.forget()
                agents.adopt_slave()
                agents.start_both()
            for scenario in ("restart", "changed"):
                if scenario not in only:
                    continue
                rows = []
                for rep in range(args.reps):
                    agents.stop()
                    changed = rewrite(files, args.changed, rng) if scenario == "changed" else []
                    load = os.getloadavg()
                    dt = agents.start_both()
                    cpu = agents.cpu()
                    threads = agents.threads()
                    bad = same_content(src, dst, changed)
                    if bad:
                        raise RuntimeError("%s: %d changed files differ on the slave, e.g. %s" % (scenario, len(bad), bad[:3]))
                    st = agents.slave_status()
                    nmt = None
                    if "NativeMemoryTracking" in os.environ.get("REPLICATOR_JAVA_EXTRA_OPTS", ""):
                        # NMT of the steady state after a restart (item 3): 5 s after in sync.
                        time.sleep(5)
                        nmt = {"master": jcmd_nmt(agents.master.pid), "slave": jcmd_nmt(agents.slave.pid)}
                        for who in ("master", "slave"):  # what the heap holds (live objects, after a full GC)
                            r = subprocess.run(["jcmd", str(getattr(agents, who).pid), "GC.class_histogram"],
                                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                            nmt[who] += "\n" + "\n".join(r.stdout.splitlines()[:18] + r.stdout.splitlines()[-1:])
                    row = {"load": load, "replicator": dt, "cpu": cpu, "bytes": st["sentBytes"] + st["receivedBytes"],
                           "phases": {"master": agents.phases_of(agents.master), "slave": agents.phases_of(agents.slave)},
                           "memory": agents.memory(), "threads": threads}
                    B.log("%s rep %d (load %.1f): in sync %.2f s (cpu %s), %d B exchanged, phases %s, memory %s, thread cpu %s" % (
                        scenario, rep + 1, load[0], dt, cpu, row["bytes"], row["phases"], row["memory"], threads))
                    if nmt:
                        row["nmt"] = nmt
                        for who in ("master", "slave"):
                            print("--- nmt after %s, %s (VmHWM %s) ---\n%s" % (scenario, who, B.rss_kb(getattr(agents, who).pid), nmt[who]))
                    rows.append(row)
                res[scenario] = rows
            agents.stop()

        if "memory" in only:
            rows = []
            variants = [("default", None)]
            if args.nmt:
                variants.append(("nmt", "-XX:NativeMemoryTracking=summary"))
            for label, extra in variants:
                if extra and "REPLICATOR_JAVA_EXTRA_OPTS" not in open(B.LAUNCHER).read():
                    # An older launcher: its defaults, read from the script, plus the flag.
                    agents.java_opts = (args.java_opts or launcher_default_opts()) + " " + extra
                else:
                    agents.extra_opts = extra
                agents.stop()
                agents.forget()
                B.rmtree(dst)
                os.makedirs(dst)
                load = os.getloadavg()
                dt = agents.start_both(timeout=900)
                synced = agents.memory()
                nmt_sync = jcmd_nmt(agents.master.pid) + jcmd_nmt(agents.slave.pid) if label == "nmt" else None
                time.sleep(10)
                steady = agents.memory()
                row = {"variant": label, "load": load, "initial sync s": dt, "at sync": synced, "steady": steady}
                if label == "nmt":
                    row["nmt at sync"] = nmt_sync
                    row["nmt steady master"] = jcmd_nmt(agents.master.pid)
                    row["nmt steady slave"] = jcmd_nmt(agents.slave.pid)
                B.log("memory (%s, load %.1f): initial sync %.1f s; at sync %s; steady %s" % (label, load[0], dt, synced, steady))
                rows.append(row)
            res["memory"] = rows
            agents.stop()
    finally:
        B.stop_all()
        if args.logs:
            os.makedirs(args.logs, exist_ok=True)
            for dirpath, _, names in os.walk(tmp):
                for name in names:
                    if name.endswith((".log", ".out", ".yaml")):
                        rel = os.path.relpath(os.path.join(dirpath, name), tmp).replace("/", "_")
                        shutil.copy(os.path.join(dirpath, name), os.path.join(args.logs, rel))
        shutil.rmtree(tmp, ignore_errors=True)

    summary(res)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1, default=str)
    return 0


def launcher_default_opts():
    """The agent's default options, as the launcher sets them (read from bin/replicator)."""
    text = open(B.LAUNCHER).read()
    m = re.search(r'agent\|demo\)\s*(?:#[^\n]*\n\s*)*default_opts="([^"]*)"', text)
    return m.group(1) if m else ""


def summary(res):
    print("\n== summary (medians; load average 1 min at each rep's start) ==")
    fs = res.get("firststart")
    if fs:
        r = [x["replicator"] for x in fs]
        line = "firststart: replicator %.2f s %s" % (median(r), [round(x, 2) for x in r])
        l = [x["lsyncd"] for x in fs if "lsyncd" in x]
        if l:
            line += ", lsyncd %.2f s %s, ratio replicator/lsyncd %.2f" % (median(l), [round(x, 2) for x in l], median(r) / median(l))
        print(line + ", cpu master/slave %s, load %s" % ([(x["cpu"]["master"], x["cpu"]["slave"]) for x in fs], [round(x["load"][0], 1) for x in fs]))
    for s in ("restart", "changed"):
        rows = res.get(s)
        if rows:
            r = [x["replicator"] for x in rows]
            print("%s: replicator %.2f s %s, cpu master/slave %s, load %s" % (s, median(r), [round(x, 2) for x in r],
                  [(x["cpu"]["master"], x["cpu"]["slave"]) for x in rows], [round(x["load"][0], 1) for x in rows]))
    for row in res.get("memory", []):
        print("memory %s: initial sync %.1f s, at sync %s, steady %s" % (row["variant"], row["initial sync s"], row["at sync"], row["steady"]))
        for k in ("nmt at sync", "nmt steady master", "nmt steady slave"):
            if k in row:
                print("--- %s ---\n%s" % (k, row[k]))


if __name__ == "__main__":
    sys.exit(main())
