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

  bench/delta.sh                 # 1 GiB file (needs ~6 GB free in /var/tmp), about 5 minutes
  bench/delta.sh --size-mib 128  # smaller smoke run
Prints a Markdown table; paste it into docs/benchmarks.md. Not for CI.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (helpers: processes by PID, free ports, rsync daemon, Replicator agents)


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--dir", default="/var/tmp")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (agent logs) for a look")
    args = ap.parse_args()
    size = args.size_mib << 20
    tmp = tempfile.mkdtemp(prefix="replicator-delta-", dir=args.dir)
    rows = []
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
        for kind in ("edit4k", "append64k", "insert1"):
            shutil.copy2(big, previous)
            subprocess.run(["sync"], check=True)
            mark = rep.bytes_mark()
            patches0 = rep.slave_status().get("patchedFiles", 0)
            edit(big, kind, size)
            t0 = time.monotonic()
            rep_s = rep.wait_synced(t0)
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
            rows.append((kind, sent + recv, rs_sent + rs_recv, rdiff_bytes, rep_s, rs_s, rf_s, sig_s, delta_s))
            bench.log("%s: replicator %d B %.2f s; rsync %d B %.2f s (fsync %.2f s); rdiff sig %.2f s delta %.2f s"
                      % (kind, sent + recv, rep_s, rs_sent + rs_recv, rs_s, rf_s, sig_s, delta_s))
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
    print("| edit (%d MiB file) | Replicator bytes | rsync bytes | rdiff delta file | Replicator end-to-end | rsync | rsync --fsync "
          "| rdiff signature | rdiff delta (MB/s) |" % mib)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, rb, sb, db, rt, st, ft, sig_s, delta_s in rows:
        print("| %s | %s | %s | %s | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s (%.0f) |" % (
            kind, format(rb, ","), format(sb, ","), format(db, ","), rt, st, ft, sig_s, delta_s, (mib * 1.048576) / delta_s))


if __name__ == "__main__":
    main()
