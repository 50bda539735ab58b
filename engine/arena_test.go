package engine

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCopyArenaCopiesStayIndependent(t *testing.T) {
	var a copyArena
	var srcs, copies [][]byte
	for i := 0; i < 2000; i++ {
		src := bytes.Repeat([]byte{byte(i)}, i%300)
		if i == 1000 {
			src = bytes.Repeat([]byte("big"), arenaMaxBuf) // larger than any buffer
		}
		c := a.copy(src)
		require.Equal(t, len(src), cap(c), "a copy is capped at its length")
		srcs, copies = append(srcs, src), append(copies, c)
	}
	for _, src := range srcs {
		if len(src) > 0 {
			src[0]++ // a copy does not share its source
		}
	}
	// Appending to a copy never overwrites its neighbour.
	first, second := a.copy([]byte("ab")), a.copy([]byte("cd"))
	_ = append(first, 'X')
	require.Equal(t, []byte("cd"), second)
	for i, c := range copies {
		want := bytes.Repeat([]byte{byte(i)}, i%300)
		if i == 1000 {
			want = bytes.Repeat([]byte("big"), arenaMaxBuf)
		}
		require.Equal(t, want, c, "copy %d", i)
	}
}

func TestCopyArenaEmptyIsNotNil(t *testing.T) {
	var a copyArena
	c := a.copy(nil)
	require.NotNil(t, c)
	require.Empty(t, c)
}
