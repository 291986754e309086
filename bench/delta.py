#!/usr/bin/env python3
"""Delta benchmark: Replicator against rsync (to its daemon on loopback) and rdiff on one large
incompressible file, with the three edits of the delta issue, applied one after the other:

  edit4k     4 KiB overwritten in the middle (in place)
  append64k  64 KiB appended
  insert1    1 byte inserted at 10 % (the file is rewritten: everything after it shifts)

For each edit it records bytes on the wire (Replicator: both directions of the master's link,
frames and TLS included when on; rsync: --stats sent + received) and end-to-end time (Replicator:
from the edit's last write to `wait` answering applied, the slave's fsync included; rsync: the
client run, without and with --fsync). rdiff: signature and delta times of the same files.

  bench/delta.sh                           # 1 GiB file, 3 rounds (needs ~6 GB free in /var/tmp), about 6 minutes
  bench/delta.sh --size-mib 256 --reps 1   # smaller smoke run
  bench/delta.sh --only edit4k --reps 5    # one edit, five times
Each round applies the edits again to the same file (it grows by 64 KiB per round). Prints a
Markdown table with every run, the medians and the ratios to rsync and rsync --fsync (issue 16
item 5: <= 1 and <= 0.5), and the agents' CPU seconds per edit; paste it into docs/benchmarks.md.
REPLICATOR_JAVA_EXTRA_OPTS reaches both agents (JFR: -XX:StartFlightRecording=filename=DIR/).
Not for CI.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (helpers: processes by PID, free ports, rsync daemon, Replicator agents)


EDITS = ("edit4k", "append64k", "insert1")


def write_random(path, size):
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 8 << 20)
            f.write(os.urandom(n))
            left -= n


def edit(path, kind, size):
    """Applies one edit in place (or by rewrite for the insert); returns when the file is closed.
    `size` is the original size: positions are fractions of it, so the insert at 10 % is not
    block aligned (1 GiB / 10 is not a multiple of any block size)."""
    if kind == "edit4k":
        with open(path, "r+b") as f:
            f.seek(size // 2)
            f.write(os.urandom(4096))
    elif kind == "append64k":
        with open(path, "ab") as f:
            f.write(os.urandom(65536))
    elif kind == "insert1":
        tmp = path + ".rewrite"
        at = size // 10
        with open(path, "rb") as src, open(tmp, "wb") as dst:
            dst.write(src.read(at))
            dst.write(b"\x01")
            shutil.copyfileobj(src, dst, 8 << 20)
        os.rename(tmp, path)  # an editor's atomic save
    else:
        raise ValueError(kind)


def rdiff_times(basis, target, work):
    """rdiff's signature and delta times and delta size; NaN, NaN, 0 when rdiff (librsync-tools) is missing."""
    if shutil.which("rdiff") is None:
        return float("nan"), float("nan"), 0
    sig = os.path.join(work, "rdiff.sig")
    delta = os.path.join(work, "rdiff.delta")
    t0 = time.monotonic()
    subprocess.run(["rdiff", "signature", basis, sig], check=True)
    t1 = time.monotonic()
    subprocess.run(["rdiff", "delta", sig, target, delta], check=True)
    t2 = time.monotonic()
    out = (t1 - t0, t2 - t1, os.path.getsize(delta))
    os.remove(sig)
    os.remove(delta)
    return out


def median(values):
    return statistics.median(values) if values else float("nan")


def runs(values):
    return ", ".join("%.2f" % v for v in values)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--reps", type=int, default=3,
                    help="rounds of the three edits (default 3); the table gives every run and the medians")
    ap.add_argument("--only", default=",".join(EDITS), help="comma-separated subset of " + ",".join(EDITS))
    ap.add_argument("--dir", default="/var/tmp")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (agent logs) for a look")
    args = ap.parse_args()
    if args.reps < 1:
        ap.error("--reps must be at least 1, got %d" % args.reps)
    if args.size_mib < 1:
        ap.error("--size-mib must be at least 1, got %d" % args.size_mib)
    kinds = [k for k in args.only.split(",") if k]
    if not kinds:
        ap.error("--only names no edit (known: %s)" % ",".join(EDITS))
    for k in kinds:
        if k not in EDITS:
            ap.error("unknown edit %r (known: %s)" % (k, ",".join(EDITS)))
    size = args.size_mib << 20
    tmp = tempfile.mkdtemp(prefix="replicator-delta-", dir=args.dir)
    results = {k: [] for k in kinds}
    loads = []
    try:
        src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
        rsrc, rdst, rfs = (os.path.join(tmp, d) for d in ("rsync-src", "rsync-dst", "rsync-dst-fsync"))
        for d in (src, dst, rsrc, rdst, rfs):
            os.makedirs(d)
        big = os.path.join(src, "backup.sql")
        bench.log("writing a %d MiB random file" % args.size_mib)
        write_random(big, size)
        for d in (rsrc, rdst, rfs):
            shutil.copy2(big, os.path.join(d, "backup.sql"))
        daemon = bench.RsyncDaemon(tmp, rdst)
        fdaemon_dir = os.path.join(tmp, "fs")
        os.makedirs(fdaemon_dir)
        fdaemon = bench.RsyncDaemon(fdaemon_dir, rfs)
        rep = bench.Replicator(tmp, "delta", src, dst)
        bench.log("initial sync of Replicator")
        rep.start()
        previous = os.path.join(tmp, "previous.bin")
        for r in range(args.reps):
            for kind in kinds:
                shutil.copy2(big, previous)
                subprocess.run(["sync"], check=True)
                loads.append(os.getloadavg()[0])
                mark = rep.bytes_mark()
                patches0 = rep.slave_status().get("patchedFiles", 0)
                cpu0 = (bench.cpu_seconds(rep.master.pid), bench.cpu_seconds(rep.slave.pid))
                edit(big, kind, size)
                t0 = time.monotonic()
                rep_s = rep.wait_synced(t0)
                cpu = (bench.cpu_seconds(rep.master.pid) - cpu0[0], bench.cpu_seconds(rep.slave.pid) - cpu0[1])
                sent, recv = rep.bytes_since(mark)
                st = rep.slave_status()
                bench.log("%s: patched files %d, literal bytes so far %d, failures %s" % (
                    kind, st.get("patchedFiles", 0) - patches0, st.get("patchLiteralBytes", 0), st.get("failures")))
                edit_same = os.path.join(rsrc, "backup.sql")
                shutil.copy2(big, edit_same)
                subprocess.run(["sync"], check=True)
                rs_s, rs_sent, rs_recv = bench.rsync_push(rsrc, daemon.url)
                rf_s, _, _ = bench.rsync_push(rsrc, fdaemon.url, extra=("--fsync",))
                sig_s, delta_s, rdiff_bytes = rdiff_times(previous, big, tmp)
                for d in (dst, rdst):
                    bench.verify_same(src if d == dst else rsrc, d, kind)
                results[kind].append(dict(rb=sent + recv, sb=rs_sent + rs_recv, db=rdiff_bytes, rt=rep_s, st=rs_s, ft=rf_s,
                                          sig=sig_s, delta=delta_s, cpu=cpu))
                bench.log("round %d %s: replicator %d B %.2f s (CPU master %.2f s, slave %.2f s); rsync %d B %.2f s "
                          "(fsync %.2f s); rdiff sig %.2f s delta %.2f s; load %.2f"
                          % (r + 1, kind, sent + recv, rep_s, cpu[0], cpu[1], rs_sent + rs_recv, rs_s, rf_s, sig_s,
                             delta_s, os.getloadavg()[0]))
        rep.stop()
        daemon.stop()
        fdaemon.stop()
    finally:
        bench.stop_all()
        if args.keep:
            bench.log("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    mib = args.size_mib
    print()
    print("%d MiB file, %d round(s), load average %.2f-%.2f (1 min, sampled before each edit); Replicator's first "
          "edit is the agents' first patch after their start" % (mib, args.reps, min(loads or [0]), max(loads or [0])))
    print()
    print("| edit | Replicator bytes | rsync bytes | Replicator s | rsync s | rsync --fsync s "
          "| median Replicator / rsync / rsync --fsync | ratio to rsync (target <= 1) | ratio to rsync --fsync (target <= 0.5) "
          "| CPU s master / slave (median) |")
    print("| --- | ---: | ---: | --- | --- | --- | --- | ---: | ---: | --- |")
    for kind in kinds:
        rows = results[kind]
        if not rows:
            continue
        rb = sorted(x["rb"] for x in rows)
        sb = sorted(x["sb"] for x in rows)
        rt, st, ft = ([x[k] for x in rows] for k in ("rt", "st", "ft"))
        mr, ms, mf = median(rt), median(st), median(ft)
        print("| %s | %s | %s | %s | %s | %s | %.2f / %.2f / %.2f | %.2f | %.2f | %.2f / %.2f |" % (
            kind, span(rb), span(sb), runs(rt), runs(st), runs(ft), mr, ms, mf, mr / ms, mr / mf,
            median([x["cpu"][0] for x in rows]), median([x["cpu"][1] for x in rows])))
    if shutil.which("rdiff") is not None:
        print()
        print("| edit | rdiff delta file | rdiff signature s (median) | rdiff delta s (median, MB/s) |")
        print("| --- | ---: | ---: | ---: |")
        for kind in kinds:
            rows = results[kind]
            d = median([x["delta"] for x in rows])
            print("| %s | %s | %.2f | %.2f (%.0f) |" % (kind, span(sorted(x["db"] for x in rows)),
                                                     median([x["sig"] for x in rows]), d, (mib * 1.048576) / d))


def span(sorted_values):
    lo, hi = sorted_values[0], sorted_values[-1]
    return format(lo, ",") if lo == hi else "%s-%s" % (format(lo, ","), format(hi, ","))


if __name__ == "__main__":
    main()
