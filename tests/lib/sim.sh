# tests/lib/sim.sh: start, drive and stop the sysfs GPIO simulator
# (tests/sim/gpio-sysfs-sim) from bash tests. Source it, then:
#
#   sim_start DIR [OPTION...]   mount a fresh simulator on DIR/mnt (made if
#                               missing, must be empty) with the simulator
#                               options given (--chip, --wire, ...), and wait
#                               until it serves. Sets SIM_ROOT (the mount
#                               point: the sysfs_root to use), SIM_CTL
#                               (.sim/control), SIM_STATS (.sim/stats),
#                               SIM_LOG (DIR/sim.log, the simulator's
#                               stderr) and SIM_PID. Call it in the test's
#                               own shell, not in $(...) or a pipe.
#   sim_ctl "COMMAND"           one write of COMMAND to the control file;
#                               on refusal prints the command and the
#                               simulator's reason to stderr, returns 1.
#   sim_stats_field PIN FIELD   print FIELD (level, edges, events,
#                               notifications, reads, writes, exports,
#                               failures, exported) of line PIN.
#   sim_stop                    SIGTERM, wait; returns 1 unless the
#                               simulator exited 0 and nothing stays
#                               mounted on SIM_ROOT. Safe to call twice and
#                               from an EXIT trap.
#
# The binary is $SIM_BIN, else gpio-sysfs-sim on PATH. Example:
#
#   . tests/lib/sim.sh
#   trap sim_stop EXIT
#   sim_start "$tmp" --wire 43:44
#   echo 17 > "$SIM_ROOT/export"
#   sim_ctl "pulse 17 100 1000" && sim_ctl wait
#   [ "$(sim_stats_field 17 edges)" = 200 ]

sim_start() {
	local dir=$1 bin=${SIM_BIN:-$(command -v gpio-sysfs-sim)} i
	shift
	if [ ! -x "$bin" ]; then
		echo "sim_start: no simulator binary, set SIM_BIN" >&2
		return 1
	fi
	mkdir -p "$dir/mnt" || return 1
	SIM_ROOT=$(cd "$dir/mnt" && pwd) || return 1
	SIM_CTL=$SIM_ROOT/.sim/control
	SIM_STATS=$SIM_ROOT/.sim/stats
	SIM_LOG=$dir/sim.log
	"$bin" "$@" "$SIM_ROOT" 2>>"$SIM_LOG" </dev/null &
	SIM_PID=$!
	for i in $(seq 200); do
		[ -e "$SIM_CTL" ] && return 0
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "sim_start: the simulator did not come up:" >&2
	cat "$SIM_LOG" >&2
	sim_stop
	return 1
}

sim_ctl() {
	if (printf '%s\n' "$1" >"$SIM_CTL") 2>/dev/null; then
		return 0
	fi
	echo "sim_ctl: '$1' refused: $(tail -n 1 "$SIM_LOG")" >&2
	return 1
}

sim_stats_field() {
	awk -v pin="pin=$1" -v key="$2" '
		$1 == pin {
			for (i = 2; i <= NF; i++) {
				split($i, kv, "=")
				if (kv[1] == key) { print kv[2]; found = 1 }
			}
		}
		END { exit !found }' "$SIM_STATS"
}

sim_stop() {
	local rc=0 status
	[ -n "${SIM_PID:-}" ] || return 0
	kill -TERM "$SIM_PID" 2>/dev/null
	wait "$SIM_PID"
	status=$?
	SIM_PID=
	if [ "$status" -ne 0 ]; then
		echo "sim_stop: the simulator exited with status $status" >&2
		rc=1
	fi
	if awk -v m="$SIM_ROOT" '$5 == m { f = 1 } END { exit !f }' \
		/proc/self/mountinfo; then
		echo "sim_stop: '$SIM_ROOT' is still mounted" >&2
		fusermount3 -u -z "$SIM_ROOT" 2>/dev/null ||
			umount -l "$SIM_ROOT" 2>/dev/null
		rc=1
	fi
	return $rc
}
