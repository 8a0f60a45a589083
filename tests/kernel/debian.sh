#!/bin/bash
# Debian's kernel packages for the tests, from the system's own suite
# (bookworm) or from unstable (sid), without touching the system's apt setup:
# unstable goes through a private sources file, lists and cache in the cache
# folder. Everything is keyed by package version; "newest" is decided at run
# time from the lists, never pinned.
#
#   debian.sh newest SUITE REGEX     newest package whose name matches REGEX
#   debian.sh version SUITE PKG      PKG's candidate version
#   debian.sh unpack SUITE PKG[:ARCH]...   dpkg-deb -x them into one folder, print it
#   debian.sh headers SUITE PKG[:ARCH]   a kbuild tree from Debian's headers
#                                    package PKG, its common tree and the
#                                    host's kbuild tools; print its path
#   debian.sh root                   a cached unstable chroot (gcc, the arm64
#                                    cross gcc, make, sparse, the newest 7.x
#                                    amd64, rt-amd64 and arm64 headers), print
#                                    its path
#   debian.sh run CMD...             run CMD in that chroot (/proc mounted)
#   debian.sh mirror                 the archive address debootstrap uses
#
# SUITE: bookworm (the system's sources) or sid.
set -euo pipefail

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cma_buf
SID=$CACHE/sid-apt
MIRROR=${CMA_BUF_DEBIAN_MIRROR:-}
log() { echo "debian.sh: $*" >&2; }

# The system's Debian archive address and keyring, read from its own sources.
system_mirror() {
	local f
	for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
		[ -r "$f" ] || continue
		sed -n 's/^URIs: *\([^ ]*\/debian\)\/\{0,1\}$/\1/p; s/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\/debian\)\/\{0,1\} .*/\2/p' \
			"$f" | head -n 1
	done | head -n 1
}

apt_opts() { # apt_opts SUITE: the options that select SUITE's lists
	case "$1" in
	bookworm) echo "-o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root" ;;
	sid)
		echo "-o Dir::Etc::sourcelist=$SID/sources.list -o Dir::Etc::sourceparts=/nonexistent" \
			"-o Dir::State::Lists=$SID/lists -o Dir::Cache=$SID/cache" \
			"-o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root" \
			"-o APT::Architectures::=amd64" \
			"-o APT::Architectures::=arm64"
		;;
	*) log "unknown suite '$1'"; exit 2 ;;
	esac
}

# The lists of unstable, fetched when missing or older than a day (the
# archive moves; a day-old "newest" is new enough for a test run).
sid_lists() {
	local mirror=${MIRROR:-$(system_mirror)}
	[ -n "$mirror" ] || { log "no Debian archive in the system's apt sources"; exit 1; }
	mkdir -p "$SID/lists/partial" "$SID/cache/archives/partial"
	exec 7>"$SID/.lock"
	flock 7
	if [ -z "$(find "$SID/lists" -maxdepth 1 -name '*_InRelease' -mmin -1440 2>/dev/null)" ]; then
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main" \
			>"$SID/sources.list"
		log "updating the package lists of Debian unstable"
		# shellcheck disable=SC2046
		apt-get -qq $(apt_opts sid) update >&2
	fi
	flock -u 7
}

lists() { [ "$1" != sid ] || sid_lists; }

# memo SUITE KEY CMD...: CMD's answer, remembered until SUITE's lists change
# (apt-cache reads the whole list each time: seconds, many times a run).
memo() {
	local suite=$1 key=$2 lists stamp file
	shift 2
	case "$suite" in
	sid) lists=$SID/lists ;;
	*) lists=/var/lib/apt/lists ;;
	esac
	stamp=$(stat -c %Y "$lists"/*InRelease 2>/dev/null | sort -n | tail -n 1)
	file=$CACHE/apt-memo/$suite-${stamp:-0}-$(echo "$key" | sha256sum | cut -c1-16)
	if [ ! -f "$file" ]; then
		mkdir -p "$CACHE/apt-memo"
		"$@" >"$file.$$" && mv "$file.$$" "$file"
	fi
	cat "$file"
}

newest() { # newest SUITE REGEX
	lists "$1"
	memo "$1" "newest $2" newest_uncached "$1" "$2"
}
newest_uncached() {
	# shellcheck disable=SC2046
	apt-cache $(apt_opts "$1") pkgnames | grep -E "$2" | sort -V | tail -n 1
}

version() { # version SUITE PKG
	lists "$1"
	memo "$1" "version $2" version_uncached "$1" "$2"
}
version_uncached() {
	# shellcheck disable=SC2046
	apt-cache $(apt_opts "$1") show "$2" 2>/dev/null | sed -n 's/^Version: //p' | sort -V |
		tail -n 1
}

unpack() { # unpack SUITE PKG[:ARCH]...
	local suite=$1 p name ver key out tmp
	shift
	lists "$suite"
	key=
	for p in "$@"; do
		name=${p%%:*}
		ver=$(version "$suite" "$name")
		[ -n "$ver" ] || { log "no package $name in $suite"; exit 1; }
		key="$key $p=$ver"
	done
	out=$CACHE/debs/$(echo "$suite$key" | sha256sum | cut -c1-16)
	if [ ! -f "$out/.done" ]; then
		tmp=$out.tmp
		rm -rf "$tmp"
		mkdir -p "$tmp/debs"
		chmod 777 "$tmp/debs" # apt downloads as _apt
		log "downloading$key"
		# shellcheck disable=SC2046
		(cd "$tmp/debs" && apt-get -qq $(apt_opts "$suite") download "$@" >&2)
		for d in "$tmp"/debs/*.deb; do
			dpkg-deb -x "$d" "$tmp/root"
		done
		rm -rf "$tmp/debs" "$out"
		echo "$suite$key" >"$tmp/root/.packages"
		touch "$tmp/root/.done"
		mv "$tmp/root" "$out"
		rm -rf "$tmp"
	fi
	echo "$out"
}

headers() { # headers SUITE PKG[:ARCH]
	local suite=$1 spec=$2 name=${2%%:*} depends common kbuild dir hdr
	lists "$suite"
	depends=$(memo "$suite" "depends $name" depends_uncached "$suite" "$name")
	common=$(echo "$depends" | grep -o 'linux-headers-[^ ,]*-common[^ ,]*' | head -n 1)
	kbuild=$(echo "$depends" | grep -o 'linux-kbuild-[^ ,]*' | head -n 1)
	[ -n "$common" ] && [ -n "$kbuild" ] || { log "$name: no common headers or kbuild in '$depends'"; exit 1; }
	dir=$(unpack "$suite" "$spec" "$common" "$kbuild")
	hdr=$dir/usr/src/$name
	# The flavour's Makefile includes the common tree by absolute path.
	sed -i "s|^include /usr/src/|include $dir/usr/src/|" "$hdr/Makefile"
	echo "$hdr"
}

depends_uncached() {
	# shellcheck disable=SC2046
	apt-cache $(apt_opts "$1") show "$2" | sed -n 's/^Depends: //p' | head -n 1
}

# The packages of the build chroot; the headers are added by version.
ROOT_PKGS="gcc gcc-aarch64-linux-gnu make sparse libc6-dev bc bison flex libelf-dev libssl-dev"
ROOT_PKGS="$ROOT_PKGS perl python3 kmod"
ROOT_LAYOUT=1

root() {
	local ver headers key dir tmp
	ver=$(newest sid '^linux-headers-7\.[0-9.]+\+deb[0-9]+-amd64$')
	[ -n "$ver" ] || { log "no linux-headers-7.*-amd64 in unstable"; exit 1; }
	headers="$ver ${ver%-amd64}-rt-amd64"
	arm=${ver%-amd64}-arm64
	# ROOT_LAYOUT: raise it when the way the root is made changes.
	key=$(echo "$ROOT_LAYOUT $ROOT_PKGS $headers" | sha256sum | cut -c1-16)
	dir=$CACHE/sid-root-$key
	exec 6>"$CACHE/.lock-sid-root"
	flock 6
	if [ ! -f "$dir/.done" ]; then
		command -v debootstrap >/dev/null || { log "debootstrap missing (apt-get install debootstrap)"; exit 1; }
		tmp=$dir.tmp
		rm -rf "$tmp"
		log "debootstrap of unstable into $dir (about two minutes)"
		debootstrap --variant=minbase sid "$tmp" "${MIRROR:-$(system_mirror)}" >"$CACHE/sid-root.log" 2>&1 ||
			{ tail -n 20 "$CACHE/sid-root.log" >&2; exit 1; }
		# The archive is a snapshot: its Release may have expired.
		echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99snapshot"
		# shellcheck disable=SC2086
		in_root "$tmp" sh -c "apt-get -qq update && DEBIAN_FRONTEND=noninteractive \
			apt-get -qq install -y --no-install-recommends $ROOT_PKGS $headers" \
			>>"$CACHE/sid-root.log" 2>&1 || { tail -n 20 "$CACHE/sid-root.log" >&2; exit 1; }
		in_root "$tmp" apt-get -qq clean
		# arm64 headers beside them, for the cross compiler: the same
		# common tree and kbuild tools (host binaries) serve both.
		cp -a "$(unpack sid "$arm:arm64")/usr/src/$arm" "$tmp/usr/src/"
		echo "$headers $arm" >"$tmp/.headers"
		touch "$tmp/.done"
		mv "$tmp" "$dir"
	fi
	flock -u 6
	echo "$dir"
}

# in_root DIR CMD...: CMD in the chroot, with /proc (objtool reads it) and
# the work folders of the caller bound in at the same paths.
in_root() {
	local dir=$1
	shift
	unshare --mount --propagation private sh -c '
		dir=$1; shift
		mount -t proc proc "$dir/proc"
		for p in ${CMA_BUF_ROOT_BINDS:-}; do
			mkdir -p "$dir$p" && mount --bind "$p" "$dir$p"
		done
		exec chroot "$dir" "$@"' sh "$dir" "$@"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
newest) newest "$@" ;;
version) version "$@" ;;
unpack) unpack "$@" ;;
headers) headers "$@" ;;
root) root ;;
mirror) echo "${MIRROR:-$(system_mirror)}" ;;
run)
	dir=$(root)
	in_root "$dir" "$@"
	;;
*) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
