"""Demo task: print N numbered lines (default 100,000) as fast as possible."""

import sys


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    out = sys.stdout
    out.write("::step flood\n")
    tenth = max(1, count // 10)
    for i in range(1, count + 1):
        out.write(f"line {i} of {count}: the quick brown fox jumps over the lazy dog\n")
        if i % tenth == 0:
            out.write(f"::progress {i * 100 // count}\n")
    out.flush()


if __name__ == "__main__":
    main()
