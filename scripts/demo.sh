#!/bin/sh
# make demo: Linux vs fastpath on a testbed of network namespaces.
# Builds nothing itself (make did); brings the testbed up, shows what the
# machine supports, measures the drop scenario and tears everything down,
# also on Ctrl-C.
set -eu
FASTPATH=${1:-build/fastpath}

cleanup() {
	"$FASTPATH" testbed down pair >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

echo "== fastpath demo: discarding a UDP flood, Linux vs fastpath =="
echo
echo "-- what this machine supports (fastpath doctor) --"
"$FASTPATH" doctor || true
echo
echo "-- testbed: generator namespace -> veth -> device under test --"
"$FASTPATH" testbed up pair
"$FASTPATH" testbed show pair
echo
echo "-- measuring: the generator alone, nftables drop, XDP drop (3 runs each) --"
"$FASTPATH" bench --window 3s --no-json --keep-testbed drop
echo
echo "Linux's figure is nftables dropping in prerouting; fastpath's is an XDP"
echo "program dropping at the driver.  'DUT ns/pkt' is the cost of the device under"
echo "test per packet with the generator's own cost subtracted."
echo
echo "-- a firewall with 1000 rules: an nftables set vs the same rules in fastpath's"
echo "   firewall, written once and run in XDP, in AF_XDP workers and hybrid --"
"$FASTPATH" bench --window 2s --warmup 500ms --no-json --keep-testbed fw-1k
