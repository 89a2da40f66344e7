#!/usr/bin/env bash
# run-in-ns.sh: run a command that only knows /sys/class/gpio (the Node
# peer, through onoff) against the sysfs GPIO simulator. It enters a
# private mount namespace and mounts the simulator's tree over
# /sys/class/gpio there (over /sys/class first, with an empty tmpfs, when
# this machine has no /sys/class/gpio). Nothing outside the namespace sees
# it: the host's /sys/class/gpio is never touched. Needs root.
#
#   run-in-ns.sh SIM_MOUNTPOINT COMMAND [ARGS...]
#
# The command keeps this script's process id (every step is an exec).
set -euo pipefail

die() {
	printf 'run-in-ns.sh: %s\n' "$*" >&2
	exit 1
}

[ $# -ge 2 ] || die "usage: run-in-ns.sh SIM_MOUNTPOINT COMMAND [ARGS...]"

if [ -z "${GB_NS_PARENT:-}" ]; then
	GB_NS_PARENT=$(readlink /proc/self/ns/mnt)
	export GB_NS_PARENT
	exec unshare --mount --propagation private "$0" "$@"
fi

[ "$(readlink /proc/self/ns/mnt)" != "$GB_NS_PARENT" ] ||
	die "not in a private mount namespace; refusing to mount"
unset GB_NS_PARENT

sim=$1
shift
[ -e "$sim/.sim/control" ] || die "'$sim' is not a simulator's mountpoint"
if [ ! -d /sys/class/gpio ]; then
	mount -t tmpfs -o size=64k,mode=0755 gb-bench-class /sys/class ||
		die "cannot mount a tmpfs over /sys/class"
	mkdir /sys/class/gpio
fi
mount --bind "$sim" /sys/class/gpio ||
	die "cannot bind '$sim' over /sys/class/gpio"
exec "$@"
