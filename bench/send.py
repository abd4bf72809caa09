"""Messages per second delivered by the Celery workers (Redis broker; by default one
worker process sending 2 batches in threads, as `infolettre worker`) to Postfix's smtp-sink
on 127.0.0.1, each configuration beside smtp-source's own rate to the same sink measured
just before it, with the time to the first message and the peak memory of the workers.

    .venv/bin/python bench/send.py [--subscribers 10000]
                                   [--configs sqlite,sqlite-rsa,sqlite-ed25519,pg,pg-rsa]
                                   [--smtp-options '?streams=1']
                                   [--pool threads|prefork|solo] [--workers 2]
                                   [--profile] [--keep] [--repeat 3]

A configuration is a database (`sqlite` or `pg`) and a DKIM key (`-rsa`: RSA-2048,
`-ed25519`; none: DKIM off). smtp-source sends messages of the size of ours (the full
example: about 83 KB) over 16 sessions. The list is seeded once per database engine and
copied for each configuration. Times come from the delivery rows themselves (the moment
each was recorded sent), so polling adds nothing to them:

- rate: subscribers / (last message recorded - `send --yes` started), end to end;
- first message: first message recorded - `send --yes` started; the issue is validated
  first, as staff do, so the command finds its editions rendered (mailer.rendered);
  `--cold` leaves that out and the command renders; the command hands the send to the
  running worker (mailer.launch_client), as in production when a worker runs, unless
  `--no-handover` (or `--cold`: a worker does not render) makes it make the send itself;
  queued→1: from the campaign's creation to the first message recorded; a last table
  gives each step on the way: the campaign created, the start and the first batch
  received by a worker, the first message recorded, the command's end;
- command: how long `send --yes` itself took;
- memory: the sums over the worker processes, all of them, of their resident sets (RSS)
  and of their proportional sets (PSS, the pages shared after a fork counted once): RSS
  at its peak (the kernel's high-water mark), PSS at its highest sample, every 0.5 s
  (each sample costs this script CPU the machine under test then lacks). Which
  processes: with `--pool threads` (production's `infolettre worker`), one Celery
  process running `--workers` batches in threads; with
  `--pool prefork`, the Celery main process and its `--workers` children; with
  `--pool solo`, `--workers` Celery processes that each send in their main process;
- CPU: milliseconds per message spent by each group of processes from just before
  `send --yes` to the campaign's end (seen every 0.5 s), from /proc: the workers, the
  database (PostgreSQL's postmaster and backends), Redis, smtp-sink, this script (its
  polling and memory samples), the `send` command, and `other`: the rest of the machine's
  busy time (other people's work: compare runs whose `other` is near 0); `idle`: the
  share of both cores left unused. Nearly no idle means the machine is saturated, and
  only less CPU per message helps;
- with `--profile`: the share of the worker's Python time (the thread holding the GIL) in
  each stage of the send path: planning the deliveries, building messages (links,
  assembly), DKIM signing, the database, SMTP, and the rest (Celery, bookkeeping), from
  py-spy's samples (bench/worker_profile.py).
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bench import worker_profile  # noqa: E402
from mailer import db  # noqa: E402
from subscribers.models import Status, Subscriber  # noqa: E402
from tests.support.servers import PostgresServer, RedisServer, free_port, wait_for_port  # noqa: E402
from workers.models import Campaign, CampaignState, Delivery, DeliveryState  # noqa: E402

MESSAGE_SIZE = 83_000
CONFIGS = ("sqlite", "sqlite-rsa", "sqlite-ed25519", "pg", "pg-rsa")


def dkim_key(home: Path, kind: str) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa"
           else ed25519.Ed25519PrivateKey.generate())
    path = home / f"dkim-{kind}.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


def sink() -> tuple[subprocess.Popen, int]:
    port = free_port()
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    proc = subprocess.Popen(["smtp-sink", *user, f"127.0.0.1:{port}", "1024"])
    wait_for_port(port, proc=proc)
    return proc, port


def smtp_source_rate(port: int, count: int, size: int) -> float:
    start = time.perf_counter()
    subprocess.run(["smtp-source", "-s", "16", "-m", str(count), "-l", str(size),
                    f"127.0.0.1:{port}"], check=True)
    return count / (time.perf_counter() - start)


def seed(url: str, count: int) -> None:
    """`count` subscribers, streamed in pages of 10,000 (a million fits in no memory)."""
    with db.session_scope(url) as session:
        for start in range(0, count, 10_000):
            session.execute(insert(Subscriber), [
                {"email": f"reader{n:07d}@example.org", "language": "fr" if n % 3 else "en",
                 "status": Status.SUBSCRIBED}
                for n in range(start, min(start + 10_000, count))])
            session.commit()
    db.get_engine(url).dispose()


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """Peak resident memory (RSS, the kernel's high-water mark VmHWM, so no peak between
    two samples is missed) and present proportional memory (PSS, the pages shared after a
    fork divided between the processes sharing them) of a process and its children, from
    /proc. RSS counts the shared pages once per process."""
    rss = pss = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text().splitlines()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        rss += int(status.partition("VmHWM:")[2].split()[0])
        pss += {line.split(":")[0]: int(line.split()[1]) for line in rollup[1:]}["Pss"]
        pids += [int(child) for child in children]
    return rss / 1e3, pss / 1e3


TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of a process and its descendants, live ones from their
    own /proc/PID/stat, exited ones from their parents' counts of reaped children."""
    total, pids = 0, [pid]
    while pids:
        current = pids.pop()
        try:
            stat = Path(f"/proc/{current}/stat").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()  # after the command's name, from field 3
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        pids += [int(child) for child in children]
    return total / TICK


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine, all cores, from /proc/stat."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / TICK, idle / TICK


class CpuMeter:
    """CPU seconds spent by each group of processes over a window (the send, from just
    before `send --yes` to the campaign's end): the workers, the database, Redis, the sink,
    this script's own polling, the command, and the rest of the machine (others' work)."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups

    def sample(self) -> dict[str, float]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        command = resource.getrusage(resource.RUSAGE_CHILDREN)  # the only child that ends
        busy, idle = machine_cpu_seconds()
        return {**{name: sum(tree_cpu_seconds(pid) for pid in pids)
                   for name, pids in self.groups.items()},
                "bench": own.ru_utime + own.ru_stime,
                "command": command.ru_utime + command.ru_stime,
                "busy": busy, "idle": idle}

    @staticmethod
    def split(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        spent = {name: after[name] - before[name] for name in before}
        ours = sum(value for name, value in spent.items() if name not in ("busy", "idle"))
        spent["other"] = max(spent["busy"] - ours, 0.0)
        return spent


@dataclass
class Result:
    config: str
    rate: float
    reference: float
    steady: float
    command: float  # seconds `send --yes` took
    first: float
    queued_first: float  # from the campaign's creation (the command's commit) to the first
    rss_mb: float
    pss_mb: float
    load: float  # the machine's load average (1 min) as the send ended: others' work
    cpu: dict[str, float]  # CPU seconds per group over the send (CpuMeter.split)
    seconds: float  # the window CpuMeter measured
    stages: dict[str, float] | None = None  # the worker's Python time by stage (--profile)
    steps: dict[str, float] | None = None  # seconds from `send --yes` to each step (STEPS)

    def line(self) -> str:
        return (f"{self.config:<15}{self.rate:6.0f} {self.reference:7.0f} "
                f"{self.rate / self.reference:6.2f} {self.steady / self.reference:7.2f} "
                f"{self.command:6.2f} s {self.first:6.2f} s {self.queued_first:6.2f} s "
                f"{self.rss_mb:6.0f} MB "
                f"{self.pss_mb:6.0f} MB {self.load:5.1f}")

    def cpu_line(self, messages: int) -> str:
        """CPU milliseconds per message of each group, and the machine's idle share."""
        per = {name: 1000 * value / messages for name, value in self.cpu.items()}
        cores = self.cpu["busy"] + self.cpu["idle"]
        return (f"{self.config:<15}" + "".join(f"{per[name]:8.3f}" for name in CPU_GROUPS)
                + f"{per['busy']:8.3f} {100 * self.cpu['idle'] / max(cores, 1e-9):5.0f} %"
                + f" {self.seconds:6.2f} s")


# The way to the first message, each step's moment after `send --yes` started: the
# campaign created by the command (its row's time, just before its commit), the start
# task and the first batch task received by a worker (Celery's log), the first message
# recorded sent, and the command's end (its output said, its process gone).
STEPS = ("created", "start", "batch", "first", "command")
STEPS_HEADER = ("The first message, step by step: seconds after `send --yes` started\n"
                "configuration  created    start    batch    first  command")
_RECEIVED = re.compile(r"^\[([\d-]+ [\d:,]+): INFO/MainProcess\] Task "
                       r"workers\.(start_campaign|send_batch)\[", re.MULTILINE)


def received(logs: list[Path]) -> dict[str, dt.datetime]:
    """When a worker first received the start task and a batch task, from Celery's log
    (its times are local: the zone of this machine)."""
    seen: dict[str, dt.datetime] = {}
    for log in logs:
        for stamp, task in _RECEIVED.findall(log.read_text(errors="replace")):
            when = dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").astimezone(dt.UTC)
            name = "start" if task == "start_campaign" else "batch"
            seen[name] = min(seen.get(name, when), when)
    return seen


def steps_line(result: Result) -> str:
    return f"{result.config:<15}" + "".join(
        f"{result.steps.get(name, float('nan')):8.2f} " for name in STEPS)


def stage_line(result: Result) -> str:
    return f"{result.config:<15}" + "".join(
        f"{100 * result.stages[name]:9.0f}" for name in worker_profile.STAGES)


STAGE_HEADER = ("The worker's Python time by stage, % (py-spy --gil samples: "
                "bench/worker_profile.py)\n"
                "configuration " + "".join(f"{name:>9}" for name in worker_profile.STAGES))


HEADER = ("configuration msgs/s  source  ratio  steady  command   first     queued→1  "
          "peak RSS  peak PSS  load\n"
          "------------- ------  ------  -----  ------  -------   -------   --------  "
          "--------  --------  ----")


CPU_GROUPS = ("workers", "database", "redis", "sink", "bench", "command", "other")
CPU_HEADER = ("CPU ms per message, from just before `send --yes` to the campaign's end\n"
              "configuration  workers database   redis    sink   bench command   other"
              "    busy  idle  window")


class Bench:
    def __init__(self, subscribers: int, home: Path, workers: int, cold: bool = False,
                 smtp_options: str = "", pool: str = "prefork", profile: bool = False,
                 handover: bool = True) -> None:
        self.subscribers, self.home, self.workers, self.pool = subscribers, home, workers, pool
        self.profile = profile
        self.cold, self.smtp_options, self.handover = cold, smtp_options, handover
        self.redis = RedisServer()
        self.redis.start()
        self.sink, self.port = sink()
        self.postgres: PostgresServer | None = None
        self.templates: dict[str, str] = {}
        self.runs = 0

    def database(self, engine: str) -> str:
        """A fresh database holding the seeded list: a copy of the one seeded first."""
        self.runs += 1
        if engine == "sqlite":
            template = self.home / "seeded.db"
            if not template.exists():
                db.upgrade(f"sqlite:///{template}")
                seed(f"sqlite:///{template}", self.subscribers)
            path = self.home / f"run{self.runs}.db"
            shutil.copy(template, path)
            return f"sqlite:///{path}"
        if self.postgres is None:
            self.postgres = PostgresServer()
            self.postgres.start()
            seeded = self.postgres.create_database("seeded")
            db.upgrade(seeded)
            seed(seeded, self.subscribers)
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.postgres.port} user=postgres "
                             "dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "run{self.runs}" TEMPLATE "seeded"')
        return self.postgres.url(f"run{self.runs}")

    def run(self, config: str) -> Result:
        engine, _, dkim = config.partition("-")
        url = self.database(engine)
        home = self.home / f"home{self.runs}"
        home.mkdir()
        env = {**os.environ, "INFOLETTRE_HOME": str(home), "INFOLETTRE_DATABASE_URL": url,
               "INFOLETTRE_BROKER_URL": self.redis.url,
               "INFOLETTRE_SMTP_URL": f"smtp://127.0.0.1:{self.port}{self.smtp_options}",
               "INFOLETTRE_SECRET_KEY": "bench"}
        if dkim:
            env["INFOLETTRE_DKIM_KEY_FILE"] = str(dkim_key(home, dkim))
        self.redis_flush()
        log = home / "worker.log"
        workers = self.start_workers(env, home)
        try:
            for worker, log in workers:
                wait_ready(worker, log)
            reference = smtp_source_rate(self.port, 20_000, MESSAGE_SIZE)
            if not self.cold:  # as staff do before a send: its editions are then kept
                subprocess.run([sys.executable, "-m", "mailer", "validate", "issues/091.yaml"],
                               env=env, cwd=ROOT, check=True, capture_output=True)
            recorder = (worker_profile.start(workers[0][0].pid, home / "profile.raw")
                        if self.profile else None)
            meter = CpuMeter(self.cpu_groups(workers))
            before = meter.sample()
            window = time.monotonic()
            started = dt.datetime.now(dt.UTC)
            # A setting the worker lacks: the command then makes the send itself.
            own = env if self.handover else {**env, "INFOLETTRE_BENCH_NO_HANDOVER": "1"}
            done = subprocess.run([sys.executable, "-m", "mailer", "send", "issues/091.yaml",
                                   "--yes"], env=own, cwd=ROOT, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"`send --yes` failed: {done.stdout}{done.stderr}")
            command = (dt.datetime.now(dt.UTC) - started).total_seconds()
            rss, pss = watch(url, [worker.pid for worker, _ in workers])
            cpu = meter.split(before, meter.sample())
            if recorder:
                worker_profile.stop(recorder)
            window = time.monotonic() - window
            created, first, last = sent_span(url)
            moments = {"created": created, **received([log for _, log in workers]),
                       "first": first}
        finally:
            for worker, _ in workers:
                worker.terminate()
            for worker, _ in workers:
                worker.wait(timeout=60)
            db.get_engine(url).dispose()
        elapsed = (last - started).total_seconds()
        return Result(config, self.subscribers / elapsed, reference,
                      (self.subscribers - 1) / max((last - first).total_seconds(), 1e-3),
                      command, (first - started).total_seconds(),
                      (first - created).total_seconds(), rss, pss, os.getloadavg()[0],
                      cpu, window,
                      worker_profile.shares(home / "profile.raw") if self.profile else None,
                      {name: (moment - started).total_seconds()
                       for name, moment in moments.items()} | {"command": command})

    def cpu_groups(self, workers: list) -> dict[str, list[int]]:
        return {"workers": [worker.pid for worker, _ in workers],
                "database": [self.postgres.proc.pid] if self.postgres else [],
                "redis": [self.redis.proc.pid], "sink": [self.sink.pid]}

    def start_workers(self, env: dict, home: Path) -> list[tuple[subprocess.Popen, Path]]:
        """`--pool solo`: that many Celery processes, each sending in its own main process;
        prefork: one Celery main process and that many forked children."""
        common = ["--loglevel=INFO", "--without-gossip", "--without-mingle",
                  "--without-heartbeat"]
        if self.pool == "solo":
            commands = [["--pool=solo", f"--hostname=bench{n}@%h", *common]
                        for n in range(self.workers)]
        else:
            commands = [[f"--pool={self.pool}", f"--concurrency={self.workers}", *common]]
        started = []
        for n, args in enumerate(commands):
            log = home / f"worker{n}.log"
            started.append((subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "workers.app", "worker", *args],
                env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT), log))
        return started

    def redis_flush(self) -> None:
        import redis

        redis.Redis.from_url(self.redis.url).flushall()

    def close(self) -> None:
        self.sink.kill()
        self.sink.wait(timeout=10)
        self.redis.close()
        if self.postgres:
            self.postgres.close()


def wait_ready(worker: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while b"ready." not in log.read_bytes():
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"celery worker not ready:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def watch(url: str, pids: list[int]) -> tuple[float, float]:
    """Peak RSS and PSS of the workers' processes (and their children) until the campaign
    is done. Sampled every half second: reading smaps_rollup costs a millisecond or two of
    CPU, taken from the machine being measured (at ten a second, a visible part of this
    script's CPU a message); RSS is the kernel's own peak, whatever the sampling."""
    engine = db.get_engine(url)
    rss = pss = 0.0
    while True:
        time.sleep(0.5)
        sums = [tree_memory_mb(pid) for pid in pids]
        rss = max(rss, sum(s[0] for s in sums))
        pss = max(pss, sum(s[1] for s in sums))
        with engine.connect() as conn:
            state = conn.execute(select(Campaign.state)).scalar()
        if state not in (None, CampaignState.SENDING):
            return rss, pss


def sent_span(url: str) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """When the campaign was created, and its first and last messages recorded sent."""
    with db.get_engine(url).connect() as conn:
        created = conn.execute(select(Campaign.created_at)).scalar_one()
        sent, first, last = conn.execute(
            select(func.count(), func.min(Delivery.updated_at), func.max(Delivery.updated_at))
            .where(Delivery.state == DeliveryState.SENT)).one()
        states = dict(conn.execute(text("SELECT state, count(*) FROM delivery GROUP BY state")
                                   ).all())
    if sent != max(sum(states.values()), 1):
        raise RuntimeError(f"not every message was sent: {states}")
    return created, first, last  # UtcDateTime: aware, in UTC


def print_medians(configs: list[str], results: list[Result]) -> None:
    """Per configuration, the median of its runs: ratio, steady ratio, first message; the
    lowest and highest ratio beside; and the highest memory of all its runs."""
    print(f"median of {len(results) // len(configs)} runs each\n"
          "configuration  ratio (min-max)      steady   first    peak RSS")
    for config in configs:
        mine = [result for result in results if result.config == config]
        ratios = [result.rate / result.reference for result in mine]
        steady = statistics.median(result.steady / result.reference for result in mine)
        first = statistics.median(result.first for result in mine)
        print(f"{config:<15}{statistics.median(ratios):5.2f} ({min(ratios):.2f}-"
              f"{max(ratios):.2f}) {steady:9.2f} {first:6.2f} s "
              f"{max(result.rss_mb for result in mine):6.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--configs", default=",".join(CONFIGS),
                        help=f"comma-separated, among {', '.join(CONFIGS)}")
    parser.add_argument("--workers", type=int, default=2,
                        help="batches sent at once: pool processes, or threads")
    parser.add_argument("--cold", action="store_true",
                        help="send without validating first: the command renders the issue")
    parser.add_argument("--no-handover", action="store_true",
                        help="the command makes the send itself, as with no worker running, "
                        "instead of handing it to the running worker")
    parser.add_argument("--smtp-options", default="",
                        help="appended to the relay's URL, e.g. '?streams=2'")
    parser.add_argument("--pool", choices=("prefork", "solo", "threads"), default="threads",
                        help="threads (production's `infolettre worker`): one Celery process, "
                        "--workers threads; prefork: one Celery process forking --workers "
                        "children; solo: --workers Celery processes")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the configurations this many times, in turn, and print "
                        "each one's median (this machine's speed drifts by a third within "
                        "minutes: one run of each can mislead)")
    parser.add_argument("--profile", action="store_true",
                        help="also print where the worker's Python time goes, by stage "
                        "(needs py-spy)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the working folder (worker logs, py-spy's samples in "
                        "homeN/profile.raw) and say where it is")
    args = parser.parse_args()
    if args.profile and not worker_profile.py_spy():
        parser.error("--profile needs py-spy: .venv/bin/pip install py-spy")
    configs = [name.strip() for name in args.configs.split(",") if name.strip()]
    unknown = set(configs) - set(CONFIGS)
    if unknown:
        parser.error(f"unknown configuration {', '.join(sorted(unknown))}")
    # The project's modules compiled first, as an installation has them: with
    # PYTHONDONTWRITEBYTECODE set, every `send` would compile those changed since the last
    # run, time no installed copy spends.
    for package in ("mailer", "workers", "subscribers"):
        compileall.compile_dir(ROOT / package, quiet=1)
    home = Path(tempfile.mkdtemp(prefix="bench-send-"))
    bench = Bench(args.subscribers, home, args.workers, args.cold, args.smtp_options,
                  args.pool, args.profile, not args.no_handover)
    print(f"{args.subscribers} subscribers, Redis broker, --pool {args.pool} --workers "
          f"{args.workers}, "
          f"Postfix smtp-sink{args.smtp_options}, messages of about {MESSAGE_SIZE // 1000} KB; "
          "source: smtp-source -s 16 to the same sink just before")
    print("ratio: end to end from `send --yes`; steady: from the first message to the last;"
          " the send made by " + ("the command itself" if args.no_handover or args.cold
                                  else "the running worker, `send --yes` handing it over"))
    print(HEADER, flush=True)
    results = []
    try:
        for _ in range(max(args.repeat, 1)):
            for config in configs:
                results.append(bench.run(config))
                print(results[-1].line(), flush=True)
        if args.repeat > 1:
            print_medians(configs, results)
        print(CPU_HEADER)
        for result in results:
            print(result.cpu_line(args.subscribers))
        print(STEPS_HEADER)
        for result in results:
            print(steps_line(result))
        if args.profile:
            print(STAGE_HEADER)
            for result in results:
                print(stage_line(result))
    finally:
        bench.close()
        if args.keep:
            print(f"kept: {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
