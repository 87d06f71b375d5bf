#!/usr/bin/env bash
# The main job: install the toolchain, build the compiler, compile
# examples/packet_counter.ks, build it with its generated Makefile, and run
# it for real: its XDP program is attached to one end of a veth pair while
# UDP datagrams are sent from a test network namespace at the other end.
# The program waits until its map shows the traffic, prints the count and
# exits 0; afterwards nothing may be left attached.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh >/dev/null
echo "== building the compiler"
cargo build --release -p kernelscript-cli
ks=target/release/kernelscript

out=$(mktemp -d)
ns=ks-demo
cleanup() {
    ip netns del "$ns" 2>/dev/null || true
    ip link del ks-demo0 2>/dev/null || true
    rm -rf "$out"
}
trap cleanup EXIT
cleanup

echo "== kernelscript compile examples/packet_counter.ks -o $out"
"$ks" compile examples/packet_counter.ks -o "$out"
ls "$out"
echo "== make (the generated Makefile)"
make -C "$out"

echo "== a veth pair: ks-demo0 here, ks-demo1 in namespace $ns"
ip netns add "$ns"
ip link add ks-demo0 type veth peer name ks-demo1
ip link set ks-demo1 netns "$ns"
ip addr add 10.202.0.1/24 dev ks-demo0
ip link set ks-demo0 up
ip netns exec "$ns" ip addr add 10.202.0.2/24 dev ks-demo1
ip netns exec "$ns" ip link set ks-demo1 up
ip netns exec "$ns" ip link set lo up

echo "== $out/packet_counter --iface ks-demo0 --packets 20 --timeout_ms 10000"
"$out/packet_counter" --iface ks-demo0 --packets 20 --timeout_ms 10000 &
counter=$!
sleep 1
ip netns exec "$ns" bash -c 'for i in $(seq 40); do echo "datagram $i" > /dev/udp/10.202.0.1/9999; sleep 0.02; done' || true
status=0
wait "$counter" || status=$?
echo "== packet_counter exited with status $status"
if ip link show ks-demo0 | grep -q xdp; then
    echo "error: an XDP program is still attached to ks-demo0" >&2
    exit 1
fi
echo "== nothing left attached to ks-demo0"
exit "$status"
