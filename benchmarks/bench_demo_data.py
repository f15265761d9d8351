"""Demo-data generator at scale: items per second and peak memory as N grows.

Each size runs in a fresh process (``takt demo-data --format parquet --grain week``)
so its peak resident memory is its own. Bounded memory means the peak stays flat
while N grows; the baseline is the smallest size in the same run.

    python benchmarks/bench_demo_data.py [--sizes 10000 40000 160000] [--full]

``--full`` adds the 1,000,000-item run the later scale benchmarks use (~5 minutes).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(items: int, out: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one generator process, measured by itself."""
    code = (
        "import resource; from pathlib import Path\n"
        "from takt.services.demo import write_demo_files\n"
        f"write_demo_files(Path({str(out)!r}), items={items}, file_format='parquet',"
        " grain='week')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return seconds, int(done.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 40_000, 160_000])
    parser.add_argument("--full", action="store_true", help="also 1,000,000 items")
    args = parser.parse_args()
    sizes = sorted(set(args.sizes + ([1_000_000] if args.full else [])))
    print(f"{'items':>10} {'seconds':>8} {'items/s':>8} {'peak MiB':>9} {'peak vs smallest':>17}")
    baseline = None
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            seconds, peak = run(n, Path(tmp))
            written = sum(f.stat().st_size for f in Path(tmp).rglob("*.parquet")) / 2**20
        baseline = baseline or peak
        print(
            f"{n:>10,} {seconds:>8.1f} {n / seconds:>8,.0f} {peak:>9,.0f} {peak / baseline:>16.2f}x"
            f"   ({written:,.0f} MiB of Parquet)"
        )


if __name__ == "__main__":
    main()
