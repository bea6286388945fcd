"""Run every benchmark, one process tree at a time, then rewrite docs/performance.md.

python -m bench.run_all [--quick] [--only NAME ...]
"""

from __future__ import annotations

import subprocess
import sys
import time

from bench.common import ROOT, parser
from bench.report import BENCHMARKS, write


def main() -> int:
    p = parser(__doc__ or "")
    p.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run only these")
    args = p.parse_args()
    failed = []
    for name in args.only or BENCHMARKS:
        command = [sys.executable, "-m", f"bench.{name}", *(["--quick"] if args.quick else [])]
        print(f"\n=== {' '.join(command[1:])}", flush=True)
        start = time.monotonic()
        if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
            failed.append(name)
        print(f"=== {name}: {time.monotonic() - start:.0f} s", flush=True)
    print(f"\nwrote {write().relative_to(ROOT)}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
