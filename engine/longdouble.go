package engine

import (
	"math/big"
	"strings"
)

// Pika computes INCRBYFLOAT/HINCRBYFLOAT in x86 `long double` (64-bit
// mantissa): StrToLongDouble (strtold) on both operands, one addition, then
// LongDoubleToStr: printf "%.17Lf" with trailing zeros and a trailing '.'
// stripped (pstd util.cc). Doing the same arithmetic in float64 would store
// different strings (0.1+0.2 gives "0.30000000000000004" instead of Pika's
// "0.3"), so it is emulated here with math/big at 64-bit precision.

const (
	longDoublePrec   = 64    // mantissa bits of x87 extended precision
	longDoubleMaxExp = 16384 // values of 2^16384 and above overflow to inf
)

// parseLongDouble parses a decimal float (as strtold would, without hex
// forms) rounded to long double precision. It rejects spaces, empty input
// and NaN; "inf" and values beyond the long double range parse as
// infinities, which addLongDouble refuses.
func parseLongDouble(s []byte) (*big.Float, bool) {
	if len(s) == 0 || strings.ContainsAny(string(s), " \t\r\n_") {
		return nil, false
	}
	f, _, err := big.ParseFloat(string(s), 10, longDoublePrec, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	return f, true
}

// longDoubleZero returns 0 at long double precision.
func longDoubleZero() *big.Float {
	return new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven)
}

// addLongDouble returns old+incr formatted as Pika's LongDoubleToStr, or
// false if the sum overflows long double.
func addLongDouble(old, incr *big.Float) (string, bool) {
	if tooBig(old) || tooBig(incr) {
		return "", false
	}
	sum := longDoubleZero()
	sum.Add(old, incr)
	if tooBig(sum) {
		return "", false
	}
	return formatLongDouble(sum), true
}

// tooBig reports whether f is infinite as a long double.
func tooBig(f *big.Float) bool { return f.IsInf() || f.MantExp(nil) > longDoubleMaxExp }

// formatLongDouble is LongDoubleToStr: "%.17Lf" without trailing zeros.
func formatLongDouble(f *big.Float) string {
	s := f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}
