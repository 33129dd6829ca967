#!/usr/bin/env bash
# A single-node Slurm cluster for the sweep tests: `start DIR` writes a slurm.conf naming this
# host as controller and compute node (ports on the loopback, state, spool, logs and PID files
# under DIR), starts munged, slurmctld and slurmd as root and waits until the node takes jobs;
# `stop DIR` stops exactly those daemons by their PID files. Clients use SLURM_CONF=DIR/slurm.conf.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$2

stop_daemons() {
  local pidfile pid pids=()
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -s "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null && pids+=("$pid")
    rm -f "$pidfile"
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  done
}

case "$action" in
  stop)
    stop_daemons
    exit 0
    ;;
  start) ;;
  *) usage ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  echo "$0: the test cluster runs slurmctld and slurmd as root (SlurmUser=root); run ctest as root" >&2
  exit 1
fi
export PATH=$PATH:/usr/sbin  # the daemons live there; root's PATH may lack it
for tool in munged slurmctld slurmd sbatch sinfo hostname; do
  command -v "$tool" >/dev/null || {
    echo "$0: $tool not found; install the Debian packages munge slurmctld slurmd slurm-client (scripts/setup.sh)" >&2
    exit 1
  }
done

stop_daemons  # leftovers of an earlier, interrupted run of this fixture
rm -rf "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
chmod 700 "$dir/munge"
dir=$(cd "$dir" && pwd)

# munged with its own key and socket, so that it does not depend on (or disturb) a system munge.
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
  --seed-file="$dir/munge/munged.seed" </dev/null >/dev/null 2>&1

host=$(hostname -s)
read -r ctld_port slurmd_port < <(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
cat >"$dir/slurm.conf" <<CONF
ClusterName=gcattn-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf

slurmctld -f "$dir/slurm.conf" </dev/null >/dev/null 2>&1
slurmd -f "$dir/slurm.conf" </dev/null >/dev/null 2>&1

# Ready when the node is idle (or mixed/allocated by an earlier job).
for _ in $(seq 300); do
  state=$(sinfo -h -N -o '%T' 2>/dev/null | head -n1 || true)
  case "$state" in
    idle*|mixed*|allocated*) echo "slurm test cluster up in $dir (node $host, $state)"; exit 0 ;;
  esac
  sleep 0.1
done
echo "$0: the test cluster did not come up in 30 s; logs:" >&2
tail -n 20 "$dir/slurmctld.log" "$dir/slurmd.log" "$dir/munge/munged.log" >&2 || true
stop_daemons
exit 1
