package command

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseInt(t *testing.T) {
	good := map[string]int64{"0": 0, "-1": -1, "42": 42, "9223372036854775807": math.MaxInt64, "-9223372036854775808": math.MinInt64}
	for s, want := range good {
		n, ok := ParseInt([]byte(s))
		require.True(t, ok, s)
		require.Equal(t, want, n, s)
	}
	for _, s := range []string{"", "-", "+1", "01", "-0", " 1", "1 ", "1.0", "9223372036854775808", "0x10", "1e3"} {
		_, ok := ParseInt([]byte(s))
		require.False(t, ok, s)
	}
}

func TestParseFloat(t *testing.T) {
	good := map[string]float64{"1.5": 1.5, "-2": -2, "1e3": 1000, "inf": math.Inf(1), "-inf": math.Inf(-1), "+inf": math.Inf(1), ".5": 0.5}
	for s, want := range good {
		f, ok := ParseFloat([]byte(s))
		require.True(t, ok, s)
		require.Equal(t, want, f, s)
	}
	for _, s := range []string{"", "nan", "NaN", " 1", "1 ", "abc", "1.2.3", "0x10", "1e"} {
		_, ok := ParseFloat([]byte(s))
		require.False(t, ok, s)
	}
}

// FuzzParseInt: never panics; accepts exactly the canonical decimal form
// of a 64-bit integer.
func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "-1", "+1", "01", "-0", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "", " 1", "1e3"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, ok := ParseInt(b)
		std, err := strconv.ParseInt(string(b), 10, 64)
		canonical := err == nil && strconv.FormatInt(std, 10) == string(b)
		require.Equal(t, canonical, ok, "%q", b)
		if ok {
			require.Equal(t, std, n)
		}
	})
}

// FuzzParseFloat: never panics, never returns NaN, and agrees with
// strconv on what it accepts.
func FuzzParseFloat(f *testing.F) {
	for _, s := range []string{"1.5", "-inf", "nan", "1e308", "1e309", "0x1p3", " 1", "+.5e-3", "Infinity", "1_000"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := ParseFloat(b)
		if !ok {
			return
		}
		require.False(t, math.IsNaN(v), "%q", b)
		std, err := strconv.ParseFloat(string(b), 64)
		if err == nil {
			require.Equal(t, std, v, "%q", b)
		}
	})
}
