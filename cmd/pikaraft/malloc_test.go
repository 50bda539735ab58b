//go:build linux && cgo

package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMallocArenasLimitedUnlessEnvironmentSaysSo(t *testing.T) {
	t.Setenv("MALLOC_ARENA_MAX", "4")
	require.Equal(t, "4", limitMallocArenas())
	require.NoError(t, os.Unsetenv("MALLOC_ARENA_MAX"))
	require.Equal(t, "2", limitMallocArenas())
}
