#!/usr/bin/env bash
# Fetches Debian 12's backports kernel (6.12: BTF_KFUNCS_START, __bpf_kfunc,
# open-coded iterators, bpf_obj_new) for the qemu guest tier, WITHOUT
# installing it: the packages are downloaded with a private apt state (the
# machine's apt sources, package database and /boot are left alone, so the
# system keeps booting and the default guest stays Debian's own 6.1) and
# extracted under DEST (default /var/cache/kernelscript/backports-kernel):
#
#   DEST/boot/vmlinuz-ABI                    the kernel, for qemu
#   DEST/usr/src/linux-headers-ABI[-common]  kbuild tree for out-of-tree modules
#   DEST/usr/lib/linux-kbuild-*              its scripts and resolve_btfids
#
# testkit's Guest::prepare_extracted(DEST) boots it. Safe to run again: an
# extracted ABI is kept. Needs root (apt-get download writes as root),
# network access to deb.debian.org, Debian 12 on amd64.
set -euo pipefail
dest=${1:-/var/cache/kernelscript/backports-kernel}
suite=bookworm-backports
if [ "$(dpkg --print-architecture)" != amd64 ]; then
    echo "fetch-backports-kernel: amd64 only" >&2
    exit 1
fi
mkdir -p "$dest/.apt/lists/partial" "$dest/.apt/cache/archives/partial" "$dest/.apt/debs"
dest=$(cd "$dest" && pwd)
apt_dir="$dest/.apt"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
    > "$apt_dir/sources.list"
apt_opts=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache"
)
apt-get "${apt_opts[@]}" -qq update
# The ABI the backports meta package points at (e.g. 6.12.95+deb12-amd64).
abi=$(apt-cache "${apt_opts[@]}" depends linux-headers-amd64 |
    sed -n 's/^ *Depends: linux-headers-\([0-9].*\)$/\1/p' | head -n 1)
if [ -z "$abi" ]; then
    echo "fetch-backports-kernel: $suite has no linux-headers-amd64" >&2
    exit 1
fi
headers="$dest/usr/src/linux-headers-$abi"
if [ -f "$dest/boot/vmlinuz-$abi" ] && [ -f "$headers/.ks-extracted" ]; then
    echo "fetch-backports-kernel: $abi already in $dest"
    exit 0
fi
# linux-headers-ABI depends on its -common headers and linux-kbuild.
packages=("linux-headers-$abi" "linux-image-$abi-unsigned")
packages+=($(apt-cache "${apt_opts[@]}" depends "linux-headers-$abi" |
    sed -n 's/^ *Depends: \(linux-headers-.*-common\|linux-kbuild-.*\)$/\1/p'))
rm -f "$apt_dir"/debs/*.deb
(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" -qq download "${packages[@]}" 2>&1 |
    grep -v 'Download is performed unsandboxed' || true)
for deb in "$apt_dir"/debs/*.deb; do
    case "$deb" in
    */linux-image-*) dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dest" "./boot/vmlinuz-$abi" ;;
    *) dpkg-deb -x "$deb" "$dest" ;;
    esac
done
rm -f "$apt_dir"/debs/*.deb
# The headers' Makefile includes the -common tree by absolute path.
sed -i "s|^include /usr/src/|include $dest/usr/src/|" "$headers/Makefile"
touch "$headers/.ks-extracted"
echo "fetch-backports-kernel: $abi extracted in $dest"
