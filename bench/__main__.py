"""Run every benchmark: ``python -m bench`` (or ``make bench``).

Each benchmark measures the operation and a baseline in the same run and prints the
ratio, because the machines are shared and noisy; absolute times are printed for context.
"""

from __future__ import annotations

import argparse
import inspect
import sys

from bench import credit, pledges, registry

BENCHMARKS = {"credit": credit.run, "pledges": pledges.run, "registry": registry.run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "names", nargs="*", help=f"benchmarks to run (default: all of {sorted(BENCHMARKS)})"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="data size factor for a quicker run (e.g. 0.05)"
    )
    args = parser.parse_args(argv)
    names = args.names or sorted(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    for name in names:
        run = BENCHMARKS[name]
        options = {"rounds": args.rounds}
        if "scale" in inspect.signature(run).parameters:
            options["scale"] = args.scale
        run(**options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
