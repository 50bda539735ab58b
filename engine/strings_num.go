package engine

import (
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// In-place string updates: INCR*/DECR*, INCRBYFLOAT, APPEND, SETRANGE. All
// of them keep the expiry of a live key; on a missing or expired key they
// create the value without TTL (spec §2.1).

// parseStrInt64 parses a stored value as Redis's string2ll does: optional
// '-', no '+', no spaces, no leading zeros.
func parseStrInt64(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	digits := b
	if b[0] == '-' {
		digits = b[1:]
	}
	if len(digits) == 0 || digits[0] == '0' && len(b) > 1 {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// IncrBy adds by to the integer value of key (INCR, INCRBY, DECR, DECRBY)
// and returns the new value.
func (d *DB) IncrBy(w Writer, key []byte, by int64) (int64, error) {
	var n int64
	err := d.update(KindStrings, w, func(t *txn) error {
		v, ts, found, err := optionalString(t.getString(key))
		if err != nil {
			return err
		}
		n = by
		if found {
			cur, ok := parseStrInt64(v)
			if !ok {
				return ErrNotInteger
			}
			if by > 0 && cur > math.MaxInt64-by || by < 0 && cur < math.MinInt64-by {
				return ErrOverflow
			}
			n = cur + by
		}
		t.putString(key, strconv.AppendInt(nil, n, 10), ts)
		return nil
	})
	return n, err
}

// Long doubles: Pika (like Redis) computes INCRBYFLOAT in x87 80-bit long
// double, whose 64-bit mantissa big.Float reproduces, and prints it with
// "%.17Lf" minus trailing zeros.
const (
	longDoublePrec   = 64
	longDoubleMaxExp = 16384 // |x| >= 2^16384 overflows a long double
)

// errLongDoubleInf marks a parsed "inf": valid input, but any sum with it
// is infinite.
var errLongDoubleInf = errors.New("infinite long double")

// parseLongDouble parses b as strtold would for Pika/Redis: decimal or
// exponent notation, no spaces, no NaN, nothing out of long double range.
func parseLongDouble(b []byte) (*big.Float, error) {
	if len(b) == 0 || len(b) > 5000 {
		return nil, ErrNotFloat
	}
	s := string(b)
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case "inf", "infinity":
		if strings.Count(s, "-")+strings.Count(s, "+") <= 1 {
			return nil, errLongDoubleInf
		}
		return nil, ErrNotFloat
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') {
			return nil, ErrNotFloat
		}
	}
	f, _, err := big.ParseFloat(s, 10, longDoublePrec, big.ToNearestEven)
	if err != nil || f.IsInf() || f.MantExp(nil) > longDoubleMaxExp {
		return nil, ErrNotFloat
	}
	return f, nil
}

// formatLongDouble prints f as Pika's LongDoubleToStr: "%.17Lf", then
// trailing zeros and a trailing '.' removed.
func formatLongDouble(f *big.Float) []byte {
	s := f.Text('f', 17)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	return []byte(s)
}

// IncrByFloat adds the decimal incr to key's value in long double precision
// and returns the new value as stored.
func (d *DB) IncrByFloat(w Writer, key, incr []byte) ([]byte, error) {
	by, err := parseLongDouble(incr)
	if errors.Is(err, errLongDoubleInf) {
		return nil, ErrIncrNaNOrInf
	}
	if err != nil {
		return nil, err
	}
	var out []byte
	err = d.update(KindStrings, w, func(t *txn) error {
		v, ts, found, err := optionalString(t.getString(key))
		if err != nil {
			return err
		}
		sum := new(big.Float).SetPrec(longDoublePrec).SetMode(big.ToNearestEven)
		sum.Set(by)
		if found {
			cur, err := parseLongDouble(v)
			if errors.Is(err, errLongDoubleInf) {
				return ErrIncrNaNOrInf
			}
			if err != nil {
				return err
			}
			sum.Add(cur, by)
		}
		if sum.MantExp(nil) > longDoubleMaxExp {
			return ErrIncrNaNOrInf
		}
		out = formatLongDouble(sum)
		t.putString(key, out, ts)
		return nil
	})
	return out, err
}

// Append appends value to key's value and returns the new length.
func (d *DB) Append(w Writer, key, value []byte) (int64, error) {
	var n int64
	err := d.update(KindStrings, w, func(t *txn) error {
		v, ts, found, err := optionalString(t.getString(key))
		if err != nil {
			return err
		}
		if !found {
			t.putString(key, value, 0)
			n = int64(len(value))
			return nil
		}
		if int64(len(v))+int64(len(value)) > MaxStringLen {
			return ErrStringTooLong
		}
		t.putString(key, append(v, value...), ts)
		n = int64(len(v) + len(value))
		return nil
	})
	return n, err
}

// SetRange overwrites key's value from byte offset with value, padding
// with zero bytes, and returns the new length. An empty value changes
// nothing (and creates no key).
func (d *DB) SetRange(w Writer, key []byte, offset int64, value []byte) (int64, error) {
	if offset < 0 {
		return 0, ErrOffsetRange
	}
	var n int64
	err := d.update(KindStrings, w, func(t *txn) error {
		v, ts, _, err := optionalString(t.getString(key))
		if err != nil {
			return err
		}
		n = int64(len(v))
		if len(value) == 0 {
			return nil
		}
		if offset > MaxStringLen-int64(len(value)) {
			return ErrStringTooLong
		}
		end := int(offset) + len(value)
		if end > len(v) {
			v = append(v, make([]byte, end-len(v))...)
		}
		copy(v[offset:], value)
		t.putString(key, v, ts)
		n = int64(len(v))
		return nil
	})
	return n, err
}
