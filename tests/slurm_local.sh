#!/usr/bin/env bash
# Bring a one-node SLURM cluster up on this machine, or take it down (tests of profiles/slurm).
#   tests/slurm_local.sh start   installs slurm-wlm + munge if missing (root only), starts the daemons
#   tests/slurm_local.sh stop    stops the daemons this script started
set -euo pipefail
action=${1:?start or stop}
state=/run/seqattr-slurm
case "$action" in
start)
    [ "$(id -u)" = 0 ] || { echo "SKIP: SLURM needs root to install and start"; exit 3; }
    if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge) >/dev/null 2>&1 \
            || { echo "SKIP: apt-get could not install slurm-wlm and munge"; exit 3; }
    fi
    mkdir -p "$state" /run/munge /var/log/munge /var/lib/munge /etc/munge /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
    [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chmod 400 /etc/munge/munge.key; }
    chown -R munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge
    if ! pgrep -x munged >/dev/null; then
        su -s /bin/sh munge -c munged
        touch "$state/munged"
    fi
    host=$(hostname)
    memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
    cat > /etc/slurm/slurm.conf <<CONF
ClusterName=seqattr
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    slurmctld
    slurmd
    for _ in $(seq 60); do
        if sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then echo "SLURM up on $host"; exit 0; fi
        sleep 1
    done
    echo "SLURM did not come up:"; sinfo || true; tail -20 /var/log/slurm/slurmctld.log || true
    exit 1
    ;;
stop)
    for pidfile in /run/slurmd.pid /run/slurmctld.pid; do
        [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    if [ -f "$state/munged" ]; then pkill -x munged || true; rm -f "$state/munged"; fi
    ;;
esac
