package main

import (
	"os"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGCPercentRaisedUnlessEnvironmentSetsGOGC(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)

	t.Setenv("GOGC", "150")
	require.Equal(t, "150", setGCPercent())
	require.Equal(t, 100, debug.SetGCPercent(100), "GOGC from the environment is left to the runtime")

	require.NoError(t, os.Unsetenv("GOGC"))
	require.Equal(t, "400", setGCPercent())
	require.Equal(t, defaultGCPercent, debug.SetGCPercent(100))
}
