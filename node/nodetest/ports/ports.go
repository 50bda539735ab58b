// Package ports picks client ports for pikaraft nodes started by tests and
// by jepsen-lite. A node listens on P and on fixed offsets from it, so every
// one of those ports must be free, and none may fall in the kernel's
// ephemeral range: outgoing client connections take ports from that range
// at any moment and would collide with a node that starts later.
package ports

import (
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
)

// Offsets are the ports a node uses relative to its client port P: P,
// P+2000 (classic replication), P+3000 (Raft), P+4000 (gossip, TCP and
// UDP), P+5000 (metrics), P+10001 (full-sync file transfer).
var Offsets = []int{0, 2000, 3000, 4000, 5000, 10001}

// Range of client ports: with the largest offset every port stays below
// 32768, where Linux's default ephemeral range starts.
const (
	rangeLow  = 10000
	rangeHigh = 32768 - 10001 - 3 // room for three consecutive bases (local-cluster.sh)
)

// Pick returns n client ports whose port sets are free now and do not
// overlap each other.
func Pick(n int) ([]int, error) {
	used := map[int]bool{}
	var out []int
	for tries := 0; tries < 2000 && len(out) < n; tries++ {
		p := rangeLow + rand.IntN(rangeHigh-rangeLow)
		if setFree(p, used) {
			for _, o := range Offsets {
				used[p+o] = true
			}
			out = append(out, p)
		}
	}
	if len(out) < n {
		return nil, errors.New("ports: no free port set")
	}
	return out, nil
}

// PickConsecutive returns a base B such that B, B+1, ..., B+n-1 each have a
// free port set (deploy/local-cluster.sh numbers its nodes that way).
func PickConsecutive(n int) (int, error) {
	for tries := 0; tries < 2000; tries++ {
		b := rangeLow + rand.IntN(rangeHigh-rangeLow-n)
		used := map[int]bool{}
		ok := true
		for i := 0; i < n && ok; i++ {
			ok = setFree(b+i, used)
			for _, o := range Offsets {
				used[b+i+o] = true
			}
		}
		if ok {
			return b, nil
		}
	}
	return 0, errors.New("ports: no free consecutive port sets")
}

func setFree(p int, used map[int]bool) bool {
	for _, o := range Offsets {
		if used[p+o] || !tcpFree(p+o) {
			return false
		}
	}
	return udpFree(p + 4000)
}

func tcpFree(p int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func udpFree(p int) bool {
	c, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return false
	}
	c.Close()
	return true
}
