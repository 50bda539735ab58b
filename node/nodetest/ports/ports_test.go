package ports

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPickStaysOutOfTheEphemeralRangeAndApart(t *testing.T) {
	got, err := Pick(5)
	require.NoError(t, err)
	require.Len(t, got, 5)
	seen := map[int]bool{}
	for _, p := range got {
		for _, o := range Offsets {
			require.Less(t, p+o, 32768, "port %d+%d is in the ephemeral range", p, o)
			require.False(t, seen[p+o], "port %d used twice", p+o)
			seen[p+o] = true
		}
	}
}

func TestPickSkipsPortsInUse(t *testing.T) {
	base, err := PickConsecutive(3)
	require.NoError(t, err)
	// Occupy the middle node's Raft port: a set that includes it is not free.
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+1+3000)))
	require.NoError(t, err)
	defer l.Close()
	require.False(t, setFree(base+1, map[int]bool{}))
	require.True(t, setFree(base, map[int]bool{}))
}
