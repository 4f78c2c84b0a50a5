"""Demo task: a five-step build pipeline reporting steps and progress."""

import sys
import time

STEPS = [
    ("checkout", ["cloning repository", "checked out main at 3f9c2ab"]),
    ("install", ["resolving 42 packages", "installed 42 packages"]),
    ("build", ["compiling 18 modules", "bundling assets", "build ok"]),
    ("test", ["collected 120 tests", "120 passed"]),
    ("package", ["writing dist/app.tar.gz", "done"]),
]
DELAY = float(sys.argv[1]) if len(sys.argv) > 1 else 0.25


def main() -> None:
    total = sum(len(lines) for _, lines in STEPS)
    done = 0
    for name, lines in STEPS:
        print(f"::step {name}")
        for line in lines:
            time.sleep(DELAY)
            print(f"[{name}] {line}")
            done += 1
            print(f"::progress {done * 100 // total}")
        if name == "install":
            print("npm warn deprecated left-pad@1.0.0", file=sys.stderr)
    print("::step-done")
    print("pipeline finished")


if __name__ == "__main__":
    main()
