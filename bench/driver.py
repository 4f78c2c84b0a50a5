"""Run the Pulseboard benchmark: ``python -m bench.driver --short|--full``.

Starts the server(s) for each scenario, runs the node load generator against
them, samples CPU and RSS, and writes ``bench/results/<started>.json`` and the
run's table into docs/benchmarks.md. ``--short`` (``make bench``) finishes in
a few minutes; ``--full`` runs every scenario at full size.

Scenarios 1-4 run against the node socket.io peer (bench/peer) too, right
after Pulseboard, and the table shows Pulseboard's figures as ratios to the
peer's; ``--server pulseboard`` or ``--server peer`` runs one side only.
"""

import argparse
import contextlib
import os
import secrets
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import REPO, entries, report
from .processes import Generator, Profiler
from .profiles import PROFILES
from .scenarios.charts import broadcast, capacity
from .scenarios.chat import chat, database_copy, user_pool
from .scenarios.ingest import ingest
from .servers import node_peer, peer_label, scaled_stack, single_worker

RESULTS = REPO / "bench" / "results"
DOC = REPO / "docs" / "benchmarks.md"

SCENARIOS = ("fanout", "saturation", "capacity", "chat", "modes", "scaleout", "ingest")
SERVERS = ("pulseboard", "peer")  # the peer runs in scenarios 1-4 only


@dataclass
class Run:
    """One benchmark run: its sizes, scratch folder and the entries measured."""

    profile: str
    sizes: dict
    workdir: Path
    async_mode: str
    profile_dir: Path | None = None
    servers: tuple = SERVERS
    entries: list = field(default_factory=list)
    scenario: str = ""  # the step running now, e.g. "modes"; each entry records it

    def label(self, what: str = "1 worker", mode: str | None = None) -> str:
        """How the table names a deployment: ``1 worker (eventlet)``, ``… no deflate)``."""
        details = [mode or self.async_mode]
        if Generator.defaults.get("deflate") is False:
            details.append("no deflate")
        return f"{what} ({', '.join(details)})"

    def profiler(self, dep, label: str):
        """A factory of py-spy profilers on the (first) worker, when --py-spy is on."""
        if self.profile_dir is None or dep.kind != "pulseboard":
            return contextlib.nullcontext
        self.profile_dir.mkdir(parents=True, exist_ok=True)
        path = self.profile_dir / f"{label.replace(' ', '_')}.txt"
        return lambda: Profiler(dep.workers[0].process.pid, path)

    def measure(self, name: str, deployment: str, step, dep=None) -> None:
        """Run ``step()`` (returning entries); a failure becomes an error entry.

        The entry of a failure keeps the end of each worker's log.
        """
        started = time.monotonic()
        print(f"-- {name} on {deployment}", flush=True)
        try:
            produced = step()
        except Exception as exc:  # one failed scenario must not hide the others
            traceback.print_exc()
            logs = [w.log()[-3000:] for w in dep.workers] if dep is not None else []
            for log in logs:
                print(log, file=sys.stderr)
            produced = [{"name": name, "deployment": deployment, "error": repr(exc),
                         "worker_logs": logs}]
        for entry in produced:
            entry["scenario"] = self.scenario
            entry["kind"] = dep.kind if dep is not None else "pulseboard"
            entry["seconds"] = round(time.monotonic() - started, 1)
            print("   " + report._row(entry), flush=True)
        self.entries.extend(produced)


def measure_fanout(run: Run, dep, deployment: str, sizes: dict, rate: int) -> None:
    """Scenario 1's measurement: ``sizes["clients"]`` subscribers of one stream at ``rate``."""
    name = f"chart fan-out {rate} pts/s"

    def step():
        # At 50 pts/s every point is its own POST stamped by the server (the
        # target's "server timestamp"); faster, points are batched per 20 ms.
        result = broadcast(dep, f"fanout{rate}", sizes["clients"], rate, sizes["seconds"],
                           server_time=rate <= 50,
                           profiler=run.profiler(dep, f"fanout-{rate}-{deployment}"))
        target = entries.TARGET_FANOUT_P99_MS if rate == 50 else None
        return [entries.broadcast_entry(name, deployment, result, target)]

    run.measure(name, deployment, step, dep)


def measure_saturation(run: Run, dep, deployment: str, sizes: dict, streams: int) -> None:
    """Scenario 2's measurement: one point per stream per tick, so every frame is full."""

    def step():
        # Past saturation the frames queue up per client, so the drain is long:
        # a late point is latency, only a point that never comes is loss.
        result = broadcast(dep, "saturation", sizes["clients"], 20, sizes["seconds"],
                           streams=streams, interval_ms=50,
                           drain_s=max(10, 3 * sizes["seconds"]),
                           profiler=run.profiler(dep, f"saturation-{deployment}"))
        return [entries.broadcast_entry("broadcast saturation", deployment, result, None)]

    run.measure("broadcast saturation", deployment, step, dep)


@contextlib.contextmanager
def started_peer(run: Run, workdir: Path, users: list[dict] | None = None):
    """The node peer on ``workdir``, or ``None`` and an error entry if it does not start.

    The peer's trouble must never cost the run Pulseboard's numbers.
    """
    with contextlib.ExitStack() as stack:
        try:
            dep = stack.enter_context(node_peer(workdir, users))
        except Exception as exc:
            traceback.print_exc()
            dep = None
            run.entries.append({"name": "node peer", "deployment": "node socket.io peer",
                                "scenario": run.scenario, "kind": "peer",
                                "error": f"the peer did not start: {exc!r}"})
        yield dep


def step_fanout(run: Run) -> None:
    """Scenario 1: one stream, many subscribers, 50 / 500 / 5,000 points/s."""
    sizes = run.sizes["fanout"]
    if "pulseboard" in run.servers:
        with single_worker(run.workdir / "fanout", run.async_mode) as dep:
            for rate in sizes["rates"]:
                measure_fanout(run, dep, run.label(), sizes, rate)
    if "peer" in run.servers:
        with started_peer(run, run.workdir / "fanout") as dep:
            for rate in sizes["peer_rates"] if dep else ():
                measure_fanout(run, dep, peer_label(), sizes, rate)


def step_saturation(run: Run) -> None:
    """Scenario 2: frames per second delivered when every tick has a frame for every stream."""
    sizes = run.sizes["saturation"]
    if "pulseboard" in run.servers:
        with single_worker(run.workdir / "saturation", run.async_mode) as dep:
            measure_saturation(run, dep, run.label(), sizes, sizes["streams"])
    if "peer" in run.servers:
        with started_peer(run, run.workdir / "saturation") as dep:
            if dep:
                measure_saturation(run, dep, peer_label(), sizes, sizes["streams"])


def measure_capacity(run: Run, dep, deployment: str) -> None:
    """Scenario 3's measurement: idle clients on ``dep``."""
    sizes = run.sizes["capacity"]
    run.measure("capacity", deployment, lambda: [entries.capacity_entry(
        deployment, capacity(dep, sizes["clients"], sizes["processes"]))], dep)


def step_capacity(run: Run) -> None:
    """Scenario 3: idle clients on one worker, connect rate and RSS per connection."""
    if "pulseboard" in run.servers:
        with single_worker(run.workdir / "capacity", run.async_mode) as dep:
            measure_capacity(run, dep, run.label())
    if "peer" in run.servers:
        with started_peer(run, run.workdir / "capacity") as dep:
            if dep:
                measure_capacity(run, dep, peer_label())


def measure_chat(run: Run, dep, deployment: str, label: str, users) -> None:
    """Scenario 4's measurement: the chat sizes' users sending on ``dep``.

    :param users: a callable returning ``[{username, token}]`` of users
        ``dep`` knows, called inside the measurement so that a failure
        becomes the entry's error.
    """
    sizes = run.sizes["chat"]

    def measure():
        result = chat(dep, users(), sizes["rooms"], sizes["seconds"],
                      profiler=run.profiler(dep, label))
        return [entries.chat_entry(deployment, result)]

    run.measure("chat", deployment, measure, dep)


def step_chat(run: Run) -> None:
    """Scenario 4: users in rooms sending one message per second each."""
    count = run.sizes["chat"]["users"]
    if "pulseboard" in run.servers:
        pool_db, users = user_pool(count, run.workdir)
        env = database_copy(pool_db, run.workdir / "chat")
        with single_worker(run.workdir / "chat", run.async_mode, env=env) as dep:
            measure_chat(run, dep, run.label(), "chat", lambda: users)
    if "peer" in run.servers:
        # The peer's users are handed to it at start, as Pulseboard's come in
        # a prepared database: neither hashes passwords in the measured process.
        users = [{"username": f"benchuser{i:05d}", "token": secrets.token_urlsafe(24)}
                 for i in range(count)]
        with started_peer(run, run.workdir / "chat", users) as dep:
            if dep:
                measure_chat(run, dep, peer_label(), "chat-peer", lambda: users)


def step_modes(run: Run) -> None:
    """Scenario 5: scenarios 1-2 under eventlet, gevent and threading."""
    sizes = run.sizes["modes"]
    if "pulseboard" not in run.servers:
        return
    for mode in sizes["modes"]:
        with single_worker(run.workdir / f"mode-{mode}", mode) as dep:
            deployment = run.label(mode=mode)
            for rate in sizes["rates"]:
                measure_fanout(run, dep, deployment, sizes, rate)
            measure_saturation(run, dep, deployment, sizes, sizes["saturation_streams"])


def step_scaleout(run: Run) -> None:
    """Scenario 6: one worker against two workers + Redis behind nginx."""
    sizes = run.sizes["scaleout"]
    if "pulseboard" not in run.servers:
        return
    setups = (
        (run.label("1 worker"), lambda: single_worker(run.workdir / "scale-1", run.async_mode)),
        (run.label("2 workers + Redis + nginx"),
         lambda: scaled_stack(run.workdir / "scale-2", run.async_mode)),
    )
    for deployment, start in setups:
        with start() as dep:
            measure_fanout(run, dep, deployment, sizes, sizes["rate"])
            measure_saturation(run, dep, deployment, sizes, sizes["streams"])
    # Chat through both workers: rooms, presence and the rate limit are
    # shared through Redis, so this is where that sharing costs.
    pool_db, users = user_pool(run.sizes["chat"]["users"], run.workdir)
    with scaled_stack(run.workdir / "scale-chat", run.async_mode, users_db=pool_db) as dep:
        measure_chat(run, dep, run.label("2 workers + Redis + nginx"), "chat-scaleout",
                     lambda: users)


def step_ingest(run: Run) -> None:
    """Scenario 7: line protocol into live subscribers, then the JSON publish at the same volume.

    Each measurement makes fresh streams, so the worker may publish many more
    than the default cap of 256.
    """
    sizes = run.sizes["ingest"]
    if "pulseboard" not in run.servers:
        return
    env = {"MAX_PUBLISHED_STREAMS": "100000"}
    with single_worker(run.workdir / "ingest", run.async_mode, env=env) as dep:
        for via, name in (("lineprotocol", "line-protocol ingest"),
                          ("json", "JSON publish, same volume")):
            def step(via=via, name=name):
                result = ingest(dep, via[:4], sizes["clients"], sizes["per_client"],
                                sizes["series"], sizes["rate"], sizes["batch_lines"],
                                sizes["seconds"], via=via,
                                json_interval_ms=sizes["json_interval_ms"],
                                profiler=run.profiler(dep, f"ingest-{via}"))
                return [entries.ingest_entry(name, run.label(), result)]

            run.measure(name, run.label(), step, dep)


STEPS = {"fanout": step_fanout, "saturation": step_saturation, "capacity": step_capacity,
         "chat": step_chat, "modes": step_modes, "scaleout": step_scaleout,
         "ingest": step_ingest}


def build_parser() -> argparse.ArgumentParser:
    """The driver's command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.driver", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--short", action="store_const", dest="profile", const="short",
                      help="the short run of `make bench` (default)")
    size.add_argument("--full", action="store_const", dest="profile", const="full",
                      help="every scenario at full size")
    size.add_argument("--smoke", action="store_const", dest="profile", const="smoke",
                      help="a seconds-long run at tiny sizes (the harness's own check)")
    parser.add_argument("--scenario", action="append", choices=SCENARIOS,
                        help="run only this scenario (repeatable)")
    parser.add_argument("--server", action="append", choices=SERVERS,
                        help="run only this side: Pulseboard or the node socket.io peer "
                             "(scenarios 1-4); both by default")
    parser.add_argument("--async-mode", default="eventlet",
                        choices=("eventlet", "gevent", "threading"),
                        help="server mode for scenarios 1-4 and 6 (default: eventlet)")
    parser.add_argument("--py-spy", action="store_true",
                        help="record py-spy profiles of the worker (bench/results/profiles/)")
    parser.add_argument("--no-deflate", action="store_true",
                        help="clients do not offer permessage-deflate (browsers do)")
    parser.add_argument("--no-docs", action="store_true",
                        help="do not update docs/benchmarks.md")
    parser.set_defaults(profile="short")
    return parser


def main(argv: list[str] | None = None) -> dict:
    """Run the selected scenarios and write the results; return the run."""
    args = build_parser().parse_args(argv)
    started = datetime.now().isoformat(timespec="seconds")
    workdir = Path(tempfile.mkdtemp(prefix="pulseboard-bench-"))
    servers = tuple(s for s in SERVERS if s in (args.server or SERVERS))
    run = Run(args.profile, PROFILES[args.profile], workdir, args.async_mode, servers=servers)
    # Reset each run: an earlier main() in this process may have turned deflate off.
    Generator.defaults = {"deflate": False} if args.no_deflate else {}
    if args.py_spy:
        run.profile_dir = RESULTS / "profiles" / started.replace(":", "-")
    machine = report.machine_info()
    clock = time.monotonic()
    try:
        for name in args.scenario or SCENARIOS:
            run.scenario = name
            STEPS[name](run)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    options = [args.async_mode] if args.async_mode != "eventlet" else []
    options += ["no-deflate"] if args.no_deflate else []
    options += [f"{servers[0]}-only"] if len(servers) == 1 else []
    report.add_peer_ratios(run.entries)
    record = {
        "profile": args.profile, "block": "-".join([args.profile, *options]),
        "started": started, "seconds": time.monotonic() - clock,
        "async_mode": args.async_mode, "deflate": not args.no_deflate, "servers": servers,
        "machine": machine,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "entries": run.entries,
    }
    path = report.write_json(record, RESULTS)
    if not args.no_docs:
        report.update_docs(record, DOC)
    print(report.table(record))
    print(f"results: {path}")
    return record


if __name__ == "__main__":
    main(sys.argv[1:])
