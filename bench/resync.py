#!/usr/bin/env python3
"""Resync benchmark: a 10,000-file / 1 GB docroot replicated to one slave, then damaged directly
on the slave (files edited, truncated, deleted, added, temp files orphaned by a killed rsync),
then repaired by `replicator resync`. Prints the time resync took, what it sent, and checks that
the trees are identical afterwards. Not for CI.

  bench/resync.sh                        # 10,000 files, 1 GB, 1,000 damaged paths
  bench/resync.sh --files 2000 --mb 200  # smaller
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def all_files(root):
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != ".replicator"]
        out.extend(os.path.join(d, f) for f in files)
    return sorted(out)


def damage(dst, rng, per_kind):
    files = all_files(dst)
    rng.shuffle(files)
    kinds = {"edited": 0, "truncated": 0, "deleted": 0, "added": 0, "orphaned temp": 0}
    for path in files[:per_kind]:
        with open(path, "r+b") as f:
            f.seek(rng.randrange(max(1, os.path.getsize(path))))
            f.write(rng.randbytes(64))
        kinds["edited"] += 1
    for path in files[per_kind:2 * per_kind]:
        os.truncate(path, os.path.getsize(path) // 2)
        kinds["truncated"] += 1
    for path in files[2 * per_kind:3 * per_kind]:
        os.remove(path)
        kinds["deleted"] += 1
    for i, path in enumerate(files[3 * per_kind:4 * per_kind]):
        with open(os.path.join(os.path.dirname(path), "added-%d.php" % i), "wb") as f:
            f.write(rng.randbytes(2000))
        kinds["added"] += 1
    for i, path in enumerate(files[4 * per_kind:5 * per_kind]):
        with open(os.path.join(os.path.dirname(path), ".%s.%06d" % (os.path.basename(path), i)), "wb") as f:
            f.write(rng.randbytes(50_000))  # rsync's temp name pattern: .<name>.<random>
        kinds["orphaned temp"] += 1
    return kinds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--mb", type=int, default=1000)
    ap.add_argument("--damage", type=int, default=200, help="paths per kind of damage (5 kinds)")
    ap.add_argument("--dir", default="/var/tmp")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="replicator-resync-", dir=args.dir)
    try:
        src, dst = os.path.join(tmp, "src"), os.path.join(tmp, "dst")
        os.makedirs(src)
        os.makedirs(dst)
        bench.log("generating %d files, %d MB" % (args.files, args.mb))
        bench.gen_uploads(src, args.files, args.mb * 1000 * 1000)
        rep = bench.Replicator(tmp, "resync", src, dst)
        t = rep.start()
        bench.log("initial sync %.1f s" % t)
        kinds = damage(dst, random.Random(9), args.damage)
        bench.log("damaged the slave: %s" % kinds)
        t0 = time.monotonic()
        r = subprocess.run([bench.LAUNCHER, "resync", "--config", rep.conf], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        dt = time.monotonic() - t0
        summary = [line for line in r.stdout.splitlines() if "repaired" in line or "differences" in line]
        bench.log("resync exit %d in %.1f s: %s" % (r.returncode, dt, " | ".join(summary)))
        if r.returncode != 0:
            print(r.stdout[-2000:], r.stderr[-2000:])
        bench.verify_same(src, dst, "after resync")
        v = subprocess.run([bench.LAUNCHER, "verify", "--config", rep.conf], stdout=subprocess.PIPE, text=True)
        bench.log("verify afterwards: exit %d: %s" % (v.returncode, v.stdout.strip().splitlines()[0]))
        print("\n| docroot | damage | resync (CLI, wall) | result |\n| --- | --- | ---: | --- |")
        print("| %d files, %d MB | %s | %.1f s | %s |" % (args.files, args.mb, ", ".join("%d %s" % (n, k) for k, n in kinds.items()),
                                                     dt, "; ".join(summary)))
        rep.stop()
    finally:
        bench.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
