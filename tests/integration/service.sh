#!/usr/bin/env bash
# The systemd unit as `cmake --install` puts it: systemd-analyze verify is
# clean, and systemd-analyze security rates it 2.0 or better.
. "$(dirname "$0")/../lib/common.sh"

command -v systemd-analyze >/dev/null || skip "no systemd-analyze"
: "${GB_BUILD_DIR:?}"

DESTDIR=$TEST_DIR/root cmake --install "$GB_BUILD_DIR" >"$TEST_DIR/install.log"
unit=$(find "$TEST_DIR/root" -name gpio-broker.service)
[ -n "$unit" ] || fail "cmake --install put no gpio-broker.service"
for f in sysusers.d/gpio-broker.conf udev/rules.d/90-gpio-broker.rules \
	man8/gpio-broker.8 gpio-broker/gpio-broker.ini; do
	find "$TEST_DIR/root" -path "*/$f" | grep -q . ||
		fail "cmake --install put no $f"
done

# the daemon runs as its own user, who must read the configuration
conf=$(find "$TEST_DIR/root" -path '*/gpio-broker/gpio-broker.ini' \
	-not -path '*/doc/*')
assert_eq "mode of the installed configuration" 644 "$(stat -c %a "$conf")"

# verify needs ExecStart's program to exist: point it at the build
bin=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
sed "s|^ExecStart=$bin|ExecStart=$GB_BIN|" "$unit" \
	>"$TEST_DIR/gpio-broker.service"
systemd-analyze verify --man=no "$TEST_DIR/gpio-broker.service" \
	>"$TEST_DIR/verify.log" 2>&1 || fail "verify: $(cat "$TEST_DIR/verify.log")"
assert_eq "systemd-analyze verify output" "" "$(cat "$TEST_DIR/verify.log")"

rc=0
systemd-analyze security --offline=yes --threshold=20 \
	"$TEST_DIR/gpio-broker.service" >"$TEST_DIR/security.log" 2>&1 || rc=$?
level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
	"$TEST_DIR/security.log")
say "exposure level $level"
assert_eq "security rating at most 2.0 (exit status)" 0 "$rc"
for key in Type=notify WatchdogSec=30s User=gpio-broker \
	SupplementaryGroups=gpio StateDirectory=gpio-broker; do
	grep -qx "$key" "$unit" || fail "the unit lacks $key"
done
say "ok: unit has Type=notify, the watchdog, its user and state directory"
