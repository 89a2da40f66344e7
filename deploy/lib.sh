# deploy/lib.sh: what the deploy commands share: installing Debian packages
# and building the tree. Sourced, not run.

GB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# What building and testing gpio-broker needs on Debian 12.
GB_BUILD_PACKAGES="build-essential cmake pkg-config libuv1-dev
	libmosquitto-dev libcjson-dev libinih-dev libfuse3-dev fuse3
	libcmocka-dev libssl-dev mosquitto mosquitto-clients
	jq openssl procps psmisc iproute2 ca-certificates systemd
	busybox-static cpio"

# Print the script's header comment, as its --help.
gb_usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' \
		"$0"
}

gb_say() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

gb_die() {
	gb_say "$*"
	exit 1
}

# Install the Debian packages named, those not installed yet. Needs root
# the first time; a later run with everything present needs nothing.
gb_need() {
	local missing=() pkg
	for pkg in $*; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] ||
		gb_die "needs these Debian packages, run as root: ${missing[*]}"
	gb_say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null ||
		gb_die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" \
		>/dev/null || gb_die "apt-get install failed: ${missing[*]}"
}

# Configure and build into DIR (default build/), with extra cmake options;
# the compiler's output goes to DIR/build.log, and on failure its end here.
gb_build() {
	local dir=${1:-$GB_TOP/build}
	shift || true
	gb_say "building into ${dir#"$GB_TOP"/}/"
	mkdir -p "$dir"
	if ! { cmake -S "$GB_TOP" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		"$@" && cmake --build "$dir" -j "$(nproc)" -- \
		--no-print-directory; } >"$dir/build.log" 2>&1; then
		tail -n 40 "$dir/build.log" >&2
		gb_die "build failed, see $dir/build.log"
	fi
}
