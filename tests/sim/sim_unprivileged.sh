#!/bin/bash
# The simulator run by an unprivileged user (uid 65534) through the setuid
# fusermount3: it mounts as that user, owns its files, passes the
# conformance checks, and unmounts on SIGTERM. Needs root to switch users
# (exit 77, skipped, otherwise), SIM_BIN and CONFORMANCE.
#
# fusermount3 opens /dev/fuse with the user's rights. Debian's udev makes
# it 0666; where it is 0600 (a VM without udev), the test runs in a
# private mount namespace over a 0666 copy of the node, host untouched.
set -u
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null ||
	! command -v fusermount3 >/dev/null; then
	echo "needs root, setpriv and fusermount3: skipped"
	exit 77
fi
as_user() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}
if [ "${1:-}" != --private ] && ! as_user test -r /dev/fuse -a -w /dev/fuse
then
	exec unshare --mount --propagation unchanged "$0" --private
fi

lib=$(cd "$(dirname "$0")/../lib" && pwd)
tmp=$(mktemp -d /tmp/sim-user.XXXXXX)
chmod 755 "$tmp"
chown 65534:65534 "$tmp"
trap 'grep -q " $tmp/mnt " /proc/self/mountinfo || rm -rf "$tmp"' EXIT
if [ "${1:-}" = --private ]; then
	# / may not be a mount point (a chroot): keep /dev's mounts private
	mount --make-rprivate /dev || exit 1
	mknod "$tmp/fuse" c 10 229 && chmod 666 "$tmp/fuse" &&
		mount --bind "$tmp/fuse" /dev/fuse || exit 1
fi

# the checkout may sit where that user cannot go (/root): copy what it runs
mkdir -p "$tmp/bin"
cp "$SIM_BIN" "$CONFORMANCE" "$lib/sim.sh" "$tmp/bin/"
chmod -R a+rX "$tmp/bin"
lib=$tmp/bin

as_user env SIM_BIN="$tmp/bin/${SIM_BIN##*/}" \
	CONFORMANCE="$tmp/bin/${CONFORMANCE##*/}" bash -c '
	set -u
	. "$1/sim.sh"
	sim_start "$2" || exit 1
	grep " $SIM_ROOT " /proc/self/mountinfo | grep -q "user_id=65534" ||
		{ echo "FAIL: not mounted by uid 65534"; sim_stop; exit 1; }
	owner=$(stat -c %u:%g:%a "$SIM_ROOT/export")
	[ "$owner" = 65534:65534:200 ] ||
		{ echo "FAIL: export is $owner"; sim_stop; exit 1; }
	"$CONFORMANCE" --sysfs "$SIM_ROOT" --sim-control "$SIM_CTL" \
		--label sim >"$2/conformance.out" ||
		{ cat "$2/conformance.out"; sim_stop; exit 1; }
	exec 7<"$SIM_ROOT/gpiochip0/label"
	sim_stop || exit 1
	ok=$(grep -c "	ok$" "$2/conformance.out")
	echo "uid 65534: mounted, $ok checks ok," \
		"unmounted with a reader holding an fd"
' _ "$lib" "$tmp"
rc=$?
grep -q " $tmp/mnt " /proc/self/mountinfo && echo "FAIL: still mounted" && rc=1
exit $rc
