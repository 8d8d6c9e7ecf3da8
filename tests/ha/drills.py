#!/usr/bin/env python3
"""Failover and recovery drills against the cluster `scripts/cluster up` starts
(docs/scaling.md, docs/operations.md).

Each drill runs 16 posting clients against the load balancer. Each client posts new
events and retries each one with the same guid until it is acknowledged (200 or 201).
A fault is injected while they run. Afterwards the drill checks that every acknowledged
guid is stored on the current primary with the values sent, that `billing-events verify`
passes on it, and reports the write gap:
the longest time after the fault with no acknowledgement. A lost or altered
acknowledged event fails the run. Times are reported, never asserted.

Usage: tests/ha/drills.py KEY [DRILL ...]   (default: every drill, in order)
"""

import collections
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

SERVICE = "http://127.0.0.1:25510"
HA_DIR = os.environ.get("HA_DIR", "/tmp/billing-cluster")
CLUSTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "cluster")
CLIENTS = 16
WARM_UP = 3.0


def cluster(*args, check=True):
    return subprocess.run([CLUSTER, *args], check=check, capture_output=True, text=True)


def members():
    """{name: (role, state)} as Patroni reports it."""
    lines = cluster("members").stdout.split("\n")
    return {name: (role, state) for name, role, state in (line.split() for line in lines if line.strip())}


def leader():
    for name, (role, state) in members().items():
        if role == "leader" and state == "running":
            return name
    return None


def wait_for_leader(seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            name = leader()
            if name:
                return name
        except Exception:  # a member's REST API may be down mid-drill
            pass
        time.sleep(0.5)
    raise SystemExit("no leader")


def node_number(name):
    return int(name.removeprefix("node"))


def pid_of(file):
    with open(file) as handle:
        return int(handle.readline().strip())


def postgres_pids(n):
    """The node's postmaster and every process it started."""
    postmaster = pid_of(f"{HA_DIR}/node{n}/data/postmaster.pid")
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
    return [postmaster, *map(int, children)]


def signal_all(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def post(body, key, timeout=10):
    request = urllib.request.Request(
        f"{SERVICE}/api/v1/BillingEvents/acme",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except Exception:
        return None


class Load:
    """16 clients posting until stopped, each retrying an event until acknowledged."""

    def __init__(self, key):
        self.key = key
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged = {}  # guid -> (member, quantity, price)
        self.acknowledged_at = {}  # guid -> the wall-clock time of its acknowledgement
        self.ack_times = []
        self.failures = []  # (time, status) of each answer that was not an acknowledgement
        self.refused = []  # 4xx answers: a bug, never a fault's effect
        self.threads = [threading.Thread(target=self.client, daemon=True) for _ in range(CLIENTS)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def finish(self):
        self.stop.set()
        for thread in self.threads:
            thread.join(30)

    def client(self):
        while not self.stop.is_set():
            guid = str(uuid.uuid4())
            member = f"member-{random.randrange(1000)}"
            quantity = f"{random.randrange(1, 1000)}.{random.randrange(100):02d}"
            price = f"{random.randrange(0, 100)}.{random.randrange(10000):04d}"
            body = json.dumps({
                "billingEventGuid": guid,
                "memberUniqueKey": member,
                "eventDateTime": "2026-11-30T12:00:00Z",
                "quantity": quantity,
                "price": price,
            }).encode()
            while not self.stop.is_set():
                status = post(body, self.key)
                now = time.monotonic()
                with self.lock:
                    if status in (200, 201):
                        self.acknowledged[guid] = (member, quantity, price)
                        self.acknowledged_at[guid] = time.time()
                        self.ack_times.append(now)
                        break
                    if status is not None and 400 <= status < 500:
                        self.refused.append((guid, status))
                        break
                    self.failures.append((now, status))
                time.sleep(0.05)

    def write_gap(self, since):
        """The longest time from `since` with no acknowledgement, up to the last one."""
        times = sorted(t for t in self.ack_times if t >= since)
        gaps = [b - a for a, b in zip([since, *times], times)]
        return max(gaps, default=float("inf"))


def stored_on_primary(guids):
    return stored_at(25500 + node_number(wait_for_leader()), guids)


def psql(port, sql):
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres", "-At",
         "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def stored_at(port, guids):
    rows = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres", "-At", "-F", "|",
         "-c", "SELECT billing_event_guid, member_unique_key, quantity::text, price::text "
               "FROM billing_events WHERE client_name = 'acme'"],
        check=True, capture_output=True, text=True,
    ).stdout.split("\n")
    stored = {}
    for row in rows:
        if row:
            guid, member, quantity, price = row.split("|")
            stored[guid] = (member, quantity, price)
    return {guid: stored.get(guid) for guid in guids}


# The faults. Each runs while the load does, and returns once it has been injected
# (a freeze's thaw runs on a timer); `heal` puts the cluster back for the next drill.

def kill_primary():
    n = node_number(wait_for_leader())
    signal_all([pid_of(f"{HA_DIR}/pids/patroni{n}"), *postgres_pids(n)], signal.SIGKILL)
    return n


def heal_node(n):
    def heal():
        cluster("start-node", str(n))
        cluster("wait-healthy", "180")
    return heal


def freeze_primary():
    n = node_number(wait_for_leader())
    frozen = [pid_of(f"{HA_DIR}/pids/patroni{n}"), *postgres_pids(n)]
    signal_all(frozen, signal.SIGSTOP)
    threading.Timer(25, signal_all, (frozen, signal.SIGCONT)).start()
    return n


def switchover():
    name = wait_for_leader()
    request = urllib.request.Request(
        f"http://127.0.0.1:{28007 + node_number(name)}/switchover",
        data=json.dumps({"leader": name}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def kill_replica(n=2):
    os.kill(pid_of(f"{HA_DIR}/pids/service{n}"), signal.SIGKILL)


def wait_ready(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/ready", timeout=2) as response:
                if response.status == 200:
                    return True
        except Exception:
            pass
        time.sleep(0.2)
    return False


def verify(port):
    """`billing-events verify` on the database at `port`: whether it passed, and what it said."""
    root = os.path.join(os.path.dirname(CLUSTER), "..")
    checked = subprocess.run([os.path.join(root, "target", "release", "billing-events"), "verify"],
                             capture_output=True, text=True, env=dict(
        os.environ, BILLING__DATABASE__URL=f"postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable",
        BILLING_CONFIG_DIR=os.path.join(root, "config")))
    said = (checked.stdout + checked.stderr).strip().replace("\n", "; ")
    return checked.returncode == 0, said


def run_drill(name, key, fault, duration, heal, judge=None):
    """Runs the load, injects `fault` after a warm-up, stops the load `duration` seconds
    later, checks what was acknowledged, then `heal(outcome)`. `judge(outcome)` adds
    findings of the drill's own, and whether they pass."""
    load = Load(key)
    load.start()
    time.sleep(WARM_UP)
    injected = time.monotonic()
    outcome = fault()
    time.sleep(max(0.0, injected + duration - time.monotonic()))
    load.finish()
    with load.lock:
        acknowledged = dict(load.acknowledged)
        failures = list(load.failures)
        refused = list(load.refused)
    found = stored_on_primary(acknowledged)
    lost = [guid for guid, stored in found.items() if stored is None]
    altered = [guid for guid, stored in found.items() if stored is not None and stored != acknowledged[guid]]
    last_failure = max((t for t, _ in failures), default=None)
    findings, passed = judge(outcome) if judge else ({}, True)
    verified, findings["verify"] = verify(25500)  # the primary, through HAProxy
    result = {
        "drill": name,
        "acknowledged": len(acknowledged),
        "lost": len(lost),
        "altered": len(altered),
        "refused_4xx": len(refused),
        "failed_answers": len(failures),
        "failed_statuses": dict(collections.Counter(str(status) for _, status in failures)),
        "write_gap_s": round(load.write_gap(injected), 2),
        "last_failure_after_fault_s": None if last_failure is None else round(last_failure - injected, 2),
        **findings,
    }
    print(json.dumps(result), flush=True)
    heal(outcome)
    return passed and verified and not (lost or altered or refused)


class Restarted:
    """Service replica 1, killed and started again while no primary exists."""

    def __init__(self, node):
        self.node = node
        self.started = time.monotonic()
        self.health_after = None
        self.ready_after = None
        threading.Thread(target=self.watch, daemon=True).start()

    def watch(self):
        while time.monotonic() - self.started < 120 and self.ready_after is None:
            for path in ("health", "ready"):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:25511/{path}", timeout=2) as response:
                        if response.status == 200:
                            elapsed = round(time.monotonic() - self.started, 2)
                            if path == "health" and self.health_after is None:
                                self.health_after = elapsed
                            if path == "ready":
                                self.ready_after = elapsed
                except Exception:
                    pass
            time.sleep(0.1)


def restart_replica_while_primary_is_down():
    node = kill_primary()
    kill_replica(1)
    time.sleep(0.2)
    cluster("start-service", "1")
    return Restarted(node)


def judge_restarted(restarted):
    deadline = time.monotonic() + 60
    while restarted.ready_after is None and time.monotonic() < deadline:
        time.sleep(0.2)
    findings = {
        "replica_health_after_s": restarted.health_after,
        "replica_ready_after_s": restarted.ready_after,
    }
    came_up_first = restarted.health_after is not None and (
        restarted.ready_after is None or restarted.health_after <= restarted.ready_after)
    return findings, came_up_first and restarted.ready_after is not None


def healthy_again(_):
    cluster("wait-healthy", "180")


RECOVERED = 25504


def as_postgres(*command, check=True):
    return subprocess.run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", *command],
                          check=check, capture_output=True, text=True)


def point_in_time_recovery(key):
    """Clients post; the drill takes a backup and goes on; a wrong DELETE removes every
    event of acme; the cluster's WAL and backup are recovered, beside it, to a moment
    before the DELETE. Every event acknowledged before that moment must be there, as
    sent, and `billing-events verify` must pass on the recovered database."""
    load = Load(key)
    load.start()
    time.sleep(WARM_UP)
    primary = node_number(wait_for_leader())
    backed_up = cluster("backup", str(primary), check=False)
    time.sleep(3)  # writes after the backup, to be recovered from the WAL
    target = time.time()
    time.sleep(1)
    port = 25500 + primary
    # One statement, so that events posted meanwhile are neither deleted nor orphaned.
    psql(port, "WITH gone AS (DELETE FROM billing_events WHERE client_name = 'acme' "
               "RETURNING billing_event_guid) DELETE FROM billing_event_history "
               "WHERE billing_event_guid IN (SELECT billing_event_guid FROM gone)")
    time.sleep(2)
    load.finish()
    with load.lock:
        acknowledged = dict(load.acknowledged)
        acknowledged_at = dict(load.acknowledged_at)
    before = {guid: acknowledged[guid] for guid, at in acknowledged_at.items() if at < target}
    # The segment holding the DELETE is archived once it is switched out.
    segment = psql(port, "SELECT pg_walfile_name(pg_switch_wal())")
    deadline = time.monotonic() + 60
    archived = False
    while not archived and time.monotonic() < deadline:
        archived = psql(port, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") >= segment
        time.sleep(0.5)
    archiver = psql(port, "SELECT concat_ws(' ', 'last archived', last_archived_wal, 'last failed', "
                          "last_failed_wal, last_failed_time) FROM pg_stat_archiver")
    data = f"{HA_DIR}/recovered"
    subprocess.run(["rm", "-rf", data], check=True)
    os.makedirs(data)
    subprocess.run(["chown", "postgres:postgres", data], check=True)
    os.chmod(data, 0o700)
    at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(target)) + f".{int(target % 1 * 1e6):06d}+00"
    restored = cluster("pgbackrest", f"--pg1-path={data}", "--type=time", f"--target={at}",
                       "--target-action=promote", "restore", check=False)
    pg_ctl = os.path.join(subprocess.run(["sh", "-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1"],
                                         capture_output=True, text=True).stdout.strip(), "pg_ctl")
    options = (f"-p {RECOVERED} -c unix_socket_directories={data} -c archive_mode=off "
               "-c synchronous_standby_names='' -c primary_conninfo='' -c primary_slot_name=''")
    started = as_postgres(pg_ctl, "-D", data, "-l", f"{data}/server.log", "-o", options, "-w", "-t", "120",
                          "start", check=False)
    superseded = f"{HA_DIR}/pgbackrest/superseded"
    findings = {"backup": backed_up.returncode == 0, "archived": archived, "archiver": archiver,
                "superseded": sorted(os.listdir(superseded)) if os.path.isdir(superseded) else [],
                "restore": restored.returncode == 0, "started": started.returncode == 0}
    missing, altered, verified = [], [], None
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if psql(RECOVERED, "SELECT pg_is_in_recovery()") == "f":
                    break
            except subprocess.CalledProcessError:
                pass
            time.sleep(0.5)
        found = stored_at(RECOVERED, before)
        missing = [guid for guid, stored in found.items() if stored is None]
        altered = [guid for guid, stored in found.items() if stored is not None and stored != before[guid]]
        verified, findings["verify"] = verify(RECOVERED)
    except subprocess.CalledProcessError as error:
        findings["error"] = f"{error}: {error.stderr}"
        findings["backup_said"] = backed_up.stderr.strip()[-600:]
        findings["restore_said"] = restored.stderr.strip()[-600:]
        with open(f"{data}/server.log", errors="replace") as log:
            findings["server_log"] = log.read()[-1500:]
    finally:
        as_postgres(pg_ctl, "-D", data, "-m", "immediate", "stop", check=False)
    result = {
        "drill": "point-in-time recovery to before a wrong DELETE",
        "acknowledged": len(acknowledged),
        "acknowledged_before_target": len(before),
        "missing": len(missing),
        "altered": len(altered),
        "verify_passed": verified,
        **findings,
    }
    print(json.dumps(result), flush=True)
    return (bool(before) and not missing and not altered and verified
            and all(findings[step] for step in ("backup", "restore", "started")))


DRILLS = {
    "kill-primary": lambda key: run_drill(
        "kill -9 the primary's Patroni and PostgreSQL", key, kill_primary, 30,
        heal=lambda n: heal_node(n)()),
    "freeze-primary": lambda key: run_drill(
        "freeze the primary (SIGSTOP 25 s, then SIGCONT)", key, freeze_primary, 45,
        heal=healthy_again),
    "switchover": lambda key: run_drill(
        "planned switchover", key, switchover, 15, heal=healthy_again),
    "kill-replica": lambda key: run_drill(
        "kill -9 one of the three service replicas", key, kill_replica, 10,
        heal=lambda _: (cluster("start-service", "2"), wait_ready("http://127.0.0.1:25512"))),
    "replica-restart-primary-down": lambda key: run_drill(
        "a replica restarted while the primary is down", key,
        restart_replica_while_primary_is_down, 40,
        heal=lambda restarted: heal_node(restarted.node)(), judge=judge_restarted),
    # Last: its wrong DELETE stays in the cluster (the recovery is made beside it).
    "point-in-time-recovery": point_in_time_recovery,
}


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    key, chosen = sys.argv[1], sys.argv[2:] or list(DRILLS)
    failed = [name for name in chosen if not DRILLS[name](key)]
    if failed:
        raise SystemExit(f"drills failed: {', '.join(failed)}")
    print("every acknowledged event is stored as sent", flush=True)


if __name__ == "__main__":
    main()
