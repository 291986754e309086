#!/usr/bin/env python3
"""Durable small-file installs per second on a file system, by number of fsync threads.

    bench/fsync.py [--dir DIR] [--files N] [--threads 1,8,32,64]

Each file is what a slave does for an empty put: create a temp file, fsync it, rename it into
place. Concurrent fsyncs share the journal's commits, which is why SlaveAgent.FSYNC_THREADS is
not 1. DIR (default: a new directory under /tmp) should be on the file system of the docroot.
"""
import argparse
import concurrent.futures as cf
import os
import shutil
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--dir")
ap.add_argument("--files", type=int, default=2000)
ap.add_argument("--threads", default="1,8,32,64")
args = ap.parse_args()
base = tempfile.mkdtemp(prefix="fsync-bench.", dir=args.dir)
try:
    for threads in [int(t) for t in args.threads.split(",")]:
        d = os.path.join(base, "t%d" % threads)
        os.mkdir(d)

        def install(i):
            temp = os.path.join(d, ".tmp-%d" % i)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.rename(temp, os.path.join(d, "f%d" % i))

        n = args.files if threads > 1 else min(args.files, 300)
        start = time.monotonic()
        with cf.ThreadPoolExecutor(threads) as pool:
            list(pool.map(install, range(n)))
        took = time.monotonic() - start
        print("threads=%d files=%d %.2f s %.0f files/s" % (threads, n, took, n / took))
finally:
    shutil.rmtree(base)
