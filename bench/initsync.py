#!/usr/bin/env python3
"""Initial sync of a prepared tree by Replicator alone, with each agent's CPU per thread (issue 16).

One master and one slave agent (bench.py's Replicator: mutual TLS, fresh state dirs, empty slave
docroot, slave started first); from the master's start until `wait` returns; then user + system
seconds of every thread of both agents (from /proc/PID/task/*/stat, grouped by thread name), VmHWM,
and the phases of the master's log. The tree is compared afterwards. Not for CI.

  bench/initsync.py SRC [--reps N] [--tmp DIR] [--keep-logs DIR]

--tmp holds the slave's docroot and both state dirs (e.g. a tmpfs, to take the target file
system's inode allocation out of a CPU comparison; fsync is then free). REPLICATOR_JAR and
REPLICATOR_JAVA_EXTRA_OPTS reach the agents through the launcher. Every process is stopped by PID
and --tmp's contents are removed at the end. Trees: bench.py's gen_small / gen_uploads.
"""
import os, re, sys, subprocess, argparse, glob, statistics
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench

def threads(pid):
    out = {}
    for t in glob.glob("/proc/%d/task/*" % pid):
        try:
            name = open(t + "/comm").read().strip()
            f = open(t + "/stat").read().rsplit(")", 1)[1].split()
            cpu = (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            continue
        key = re.sub(r"\d+$", "#", name)
        out[key] = out.get(key, 0) + cpu
    return out

def hwm(pid):
    r = bench.rss_kb(pid)
    return r.get("VmHWM", 0) // 1024

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--tmp", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "initsync-bench"))
    ap.add_argument("--keep-logs", default=None)
    a = ap.parse_args()
    os.makedirs(a.tmp, exist_ok=True)
    dst = os.path.join(a.tmp, "dst")
    bench.rmtree(dst); os.makedirs(dst)
    tool = bench.Replicator(a.tmp, "h", a.src, dst)
    res = []
    try:
        for rep in range(a.reps):
            tool.stop(); tool.fresh(); bench.rmtree(dst); os.makedirs(dst)
            subprocess.run(["sync"])
            load = os.getloadavg()[0]
            dt = tool.start(timeout=900)
            cm, cs = bench.cpu_seconds(tool.master.pid), bench.cpu_seconds(tool.slave.pid)
            tm, ts = threads(tool.master.pid), threads(tool.slave.pid)
            hm, hs = hwm(tool.master.pid), hwm(tool.slave.pid)
            ph = tool.phases()
            print("rep %d: %.2f s load %.1f cpu %.2f/%.2f hwm %d/%d MiB phases %s" % (rep + 1, dt, load, cm, cs, hm, hs,
                  {k: (round(v, 2) if isinstance(v, float) else v) for k, v in ph.items()}), flush=True)
            for label, t in (("M", tm), ("S", ts)):
                top = sorted(t.items(), key=lambda kv: -kv[1])[:9]
                print("   %s %s" % (label, "  ".join("%s=%.2f" % kv for kv in top)), flush=True)
            res.append((dt, cm, cs))
            bench.verify_same(a.src, dst, "harness")
            if a.keep_logs:
                os.makedirs(a.keep_logs, exist_ok=True)
                subprocess.run(["cp", tool.master.logpath, tool.slave.logpath, a.keep_logs])
            tool.stop()
    finally:
        tool.stop(); tool.fresh(); bench.rmtree(a.tmp)
    if res:
        print("median %.2f s cpu %.2f/%.2f" % (statistics.median(r[0] for r in res), statistics.median(r[1] for r in res),
              statistics.median(r[2] for r in res)))

main()
