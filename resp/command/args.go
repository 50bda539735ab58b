package command

import (
	"math"
	"strconv"
	"strings"
)

// ParseInt parses a 64-bit integer argument as Redis does (no spaces, no
// leading '+', no leading zeros other than "0").
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if b[0] == '0' && len(b) > 1 || b[0] == '-' && len(b) > 1 && b[1] == '0' {
		return 0, false
	}
	for i, c := range b {
		if (c < '0' || c > '9') && !(i == 0 && c == '-') {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// ParseFloat parses a float argument as Redis does: decimal or exponent
// notation and "inf", "+inf", "-inf"; never NaN, no spaces.
func ParseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 5000 {
		return 0, false
	}
	s := string(b)
	switch strings.ToLower(s) {
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), true
	case "-inf", "-infinity":
		return math.Inf(-1), true
	}
	if c := s[0]; c == ' ' || c == '\t' || s[len(s)-1] == ' ' {
		return 0, false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// EqualFold reports whether arg equals the ASCII keyword kw, ignoring case.
func EqualFold(arg []byte, kw string) bool {
	if len(arg) != len(kw) {
		return false
	}
	for i := 0; i < len(arg); i++ {
		a, k := arg[i], kw[i]
		if a >= 'A' && a <= 'Z' {
			a += 'a' - 'A'
		}
		if k >= 'A' && k <= 'Z' {
			k += 'a' - 'A'
		}
		if a != k {
			return false
		}
	}
	return true
}
