"""Demo task: a build whose test step fails with exit code 3."""

import sys
import time

DELAY = float(sys.argv[1]) if len(sys.argv) > 1 else 0.3


def main() -> int:
    print("::step checkout")
    print("checked out main")
    print("::progress 20")
    time.sleep(DELAY)
    print("::step build")
    print("build ok")
    print("::progress 50")
    time.sleep(DELAY)
    print("::step test")
    print("test_login ... ok")
    print("test_checkout ... FAILED")
    print("AssertionError: expected 200, got 500", file=sys.stderr)
    print("::progress 70")
    return 3


if __name__ == "__main__":
    sys.exit(main())
