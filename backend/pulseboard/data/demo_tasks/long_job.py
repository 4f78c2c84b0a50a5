"""Demo task: a long job (default 60 s) with steps and a worker subprocess.

The worker is a separate process in the same process group, so cancelling
the run must stop both; the job prints the worker's pid to show it.
"""

import os
import subprocess
import sys
import time


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    print(f"job pid {os.getpid()}, worker pid {worker.pid}", flush=True)
    print("::step prepare", flush=True)
    time.sleep(min(1.0, seconds / 10))
    print("::step process", flush=True)
    ticks = max(1, int(seconds))
    for i in range(1, ticks + 1):
        time.sleep(seconds / ticks)
        print(f"processed batch {i}/{ticks}", flush=True)
        print(f"::progress {i * 100 // ticks}", flush=True)
    print("::step report", flush=True)
    print("all batches processed", flush=True)
    worker.terminate()
    worker.wait()


if __name__ == "__main__":
    main()
