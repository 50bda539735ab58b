package command

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLookupIgnoresCaseWithoutAllocating: any case finds the command, a
// long or unknown name finds nothing, and the common lookup allocates
// nothing (it runs once per client command).
func TestLookupIgnoresCaseWithoutAllocating(t *testing.T) {
	for _, name := range []string{"get", "GET", "gEt"} {
		s, ok := Commands.Lookup([]byte(name))
		require.True(t, ok, name)
		require.Equal(t, "get", s.Name)
	}
	_, ok := Commands.Lookup([]byte("nosuchcommand"))
	require.False(t, ok)
	_, ok = Commands.Lookup([]byte(strings.Repeat("G", 40)))
	require.False(t, ok)
	s, ok := Commands.Lookup([]byte(strings.ToUpper("zrangebyscore")))
	require.True(t, ok)
	require.Equal(t, "zrangebyscore", s.Name)
	name := []byte("GET")
	require.Zero(t, testing.AllocsPerRun(100, func() { Commands.Lookup(name) }))
}
