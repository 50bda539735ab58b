package command

import (
	"errors"
	"math"
	"strconv"
)

// ReplyType is the RESP type of a Reply.
type ReplyType uint8

// Reply types. Map, Set, Double and Bool are RESP3 types that fall back to
// their RESP2 forms (flat array, array, bulk string, integer) on RESP2.
const (
	TypeNil      ReplyType = iota // RESP2 "$-1", RESP3 "_"
	TypeNilArray                  // RESP2 "*-1", RESP3 "_"
	TypeStatus                    // "+OK"
	TypeError                     // "-ERR ..."
	TypeInt                       // ":1"
	TypeBulk                      // "$3\r\nfoo"
	TypeArray                     // "*2 ..."
	TypeMap                       // RESP3 "%", RESP2 flat array of key, value, ...
	TypeSet                       // RESP3 "~", RESP2 array
	TypeDouble                    // RESP3 ",", RESP2 bulk string
	TypeBool                      // RESP3 "#", RESP2 integer 0/1
	TypePairMap                   // RESP3 "%", RESP2 array of [key, value] arrays (XREAD)
	TypePush                      // RESP3 ">" (pub/sub messages), RESP2 array
	TypeMulti                     // several replies written one after another (SUBSCRIBE a b)
)

// Reply is the result of a command: a small tree encoded to RESP2 or RESP3
// by the connection that receives it. The FSM produces it for writes, so it
// travels back through the Raft apply future.
type Reply struct {
	Type  ReplyType
	Str   string  // status and error text (errors without the leading '-')
	Bulk  []byte  // bulk string
	Int   int64   // integer and bool
	Float float64 // double
	Elems []Reply // array, set, map (key, value, key, value, ...)
}

// OK is the "+OK" reply.
func OK() Reply { return Reply{Type: TypeStatus, Str: "OK"} }

// Status returns a simple-string reply.
func Status(s string) Reply { return Reply{Type: TypeStatus, Str: s} }

// Err returns an error reply; msg is the full text without '-', e.g.
// "ERR syntax error" or "WRONGTYPE ...".
func Err(msg string) Reply { return Reply{Type: TypeError, Str: msg} }

// ErrReply turns a Go error into an error reply. Engine errors already carry
// Redis wording ("ERR ..."); when one is wrapped with context
// (`hincrby "h": ERR hash value is not an integer`) the reply is the
// innermost Redis-worded error. Others get an "ERR " prefix.
func ErrReply(err error) Reply {
	msg := err.Error()
	if hasErrPrefix(msg) {
		return Err(msg)
	}
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		if m := e.Error(); hasErrPrefix(m) {
			return Err(m)
		}
	}
	return Err("ERR " + msg)
}

// hasErrPrefix reports whether msg starts with an upper-case error code
// followed by a space (ERR, WRONGTYPE, TRYAGAIN, MOVED, ...).
func hasErrPrefix(msg string) bool {
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == ' ' {
			return i > 0
		}
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return false
}

// Int returns an integer reply.
func Int(n int64) Reply { return Reply{Type: TypeInt, Int: n} }

// Bool returns a RESP3 boolean (integer 1/0 on RESP2).
func Bool(b bool) Reply {
	if b {
		return Reply{Type: TypeBool, Int: 1}
	}
	return Reply{Type: TypeBool}
}

// Bulk returns a bulk-string reply. A nil slice is an empty string, not nil;
// use Nil for a nil reply.
func Bulk(b []byte) Reply {
	if b == nil {
		b = []byte{}
	}
	return Reply{Type: TypeBulk, Bulk: b}
}

// BulkString returns a bulk-string reply from a string.
func BulkString(s string) Reply { return Reply{Type: TypeBulk, Bulk: []byte(s)} }

// Nil returns the nil bulk reply.
func Nil() Reply { return Reply{Type: TypeNil} }

// NilArray returns the nil array reply ("*-1").
func NilArray() Reply { return Reply{Type: TypeNilArray} }

// Array returns an array reply.
func Array(elems ...Reply) Reply {
	if elems == nil {
		elems = []Reply{}
	}
	return Reply{Type: TypeArray, Elems: elems}
}

// BulkArray returns an array of bulk strings.
func BulkArray(items [][]byte) Reply {
	elems := make([]Reply, len(items))
	for i, b := range items {
		elems[i] = Bulk(b)
	}
	return Reply{Type: TypeArray, Elems: elems}
}

// NullableBulkArray returns an array of bulk strings in which a nil item is
// a nil reply (MGET, HMGET).
func NullableBulkArray(items [][]byte) Reply {
	elems := make([]Reply, len(items))
	for i, b := range items {
		if b == nil {
			elems[i] = Nil()
		} else {
			elems[i] = Bulk(b)
		}
	}
	return Reply{Type: TypeArray, Elems: elems}
}

// Map returns a map reply from alternating keys and values.
func Map(kv ...Reply) Reply {
	if kv == nil {
		kv = []Reply{}
	}
	return Reply{Type: TypeMap, Elems: kv}
}

// PairMap returns a map reply from alternating keys and values that RESP2
// sends as an array of two-element [key, value] arrays (XREAD's shape).
func PairMap(kv ...Reply) Reply {
	if kv == nil {
		kv = []Reply{}
	}
	return Reply{Type: TypePairMap, Elems: kv}
}

// Set returns a set reply (RESP3 "~", array on RESP2).
func Set(elems ...Reply) Reply {
	if elems == nil {
		elems = []Reply{}
	}
	return Reply{Type: TypeSet, Elems: elems}
}

// Double returns a double reply (RESP3 ",", bulk string on RESP2).
func Double(f float64) Reply { return Reply{Type: TypeDouble, Float: f} }

// IsError reports whether r is an error reply.
func (r Reply) IsError() bool { return r.Type == TypeError }

// FormatDouble formats f the way Redis 7 prints doubles: the shortest
// digits that round-trip, in plain decimal notation for magnitudes from 1e-6
// up to 1e21 (so 1e10 is "10000000000" and a geohash score prints all its
// digits), exponent notation outside that range, and "inf"/"-inf".
func FormatDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if a := math.Abs(f); a == 0 || (a >= 1e-6 && a < 1e21) {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'e', -1, 64)
}

// AppendRESP appends the RESP encoding of r for protocol version proto (2
// or 3) to buf.
func (r Reply) AppendRESP(buf []byte, proto int) []byte {
	switch r.Type {
	case TypeNil:
		if proto >= 3 {
			return append(buf, "_\r\n"...)
		}
		return append(buf, "$-1\r\n"...)
	case TypeNilArray:
		if proto >= 3 {
			return append(buf, "_\r\n"...)
		}
		return append(buf, "*-1\r\n"...)
	case TypeStatus:
		buf = append(buf, '+')
		buf = appendLine(buf, r.Str)
		return append(buf, '\r', '\n')
	case TypeError:
		buf = append(buf, '-')
		buf = appendLine(buf, r.Str)
		return append(buf, '\r', '\n')
	case TypeInt:
		buf = append(buf, ':')
		buf = strconv.AppendInt(buf, r.Int, 10)
		return append(buf, '\r', '\n')
	case TypeBool:
		if proto >= 3 {
			if r.Int != 0 {
				return append(buf, "#t\r\n"...)
			}
			return append(buf, "#f\r\n"...)
		}
		buf = append(buf, ':')
		buf = strconv.AppendInt(buf, r.Int, 10)
		return append(buf, '\r', '\n')
	case TypeBulk:
		return appendBulk(buf, r.Bulk)
	case TypeDouble:
		s := FormatDouble(r.Float)
		if proto >= 3 {
			buf = append(buf, ',')
			buf = append(buf, s...)
			return append(buf, '\r', '\n')
		}
		return appendBulk(buf, []byte(s))
	case TypePairMap:
		if proto >= 3 {
			return Reply{Type: TypeMap, Elems: r.Elems}.AppendRESP(buf, proto)
		}
		buf = append(buf, '*')
		buf = strconv.AppendInt(buf, int64(len(r.Elems)/2), 10)
		buf = append(buf, '\r', '\n')
		for i := 0; i+1 < len(r.Elems); i += 2 {
			buf = append(buf, "*2\r\n"...)
			buf = r.Elems[i].AppendRESP(buf, proto)
			buf = r.Elems[i+1].AppendRESP(buf, proto)
		}
		return buf
	case TypeMulti:
		for _, e := range r.Elems {
			buf = e.AppendRESP(buf, proto)
		}
		return buf
	case TypeArray, TypeSet, TypeMap, TypePush:
		prefix, n := byte('*'), len(r.Elems)
		if proto >= 3 {
			switch r.Type {
			case TypeSet:
				prefix = '~'
			case TypeMap:
				prefix, n = '%', n/2
			case TypePush:
				prefix = '>'
			}
		}
		buf = append(buf, prefix)
		buf = strconv.AppendInt(buf, int64(n), 10)
		buf = append(buf, '\r', '\n')
		for _, e := range r.Elems {
			buf = e.AppendRESP(buf, proto)
		}
		return buf
	}
	return append(buf, "-ERR internal: unknown reply type\r\n"...)
}

func appendBulk(buf, b []byte) []byte {
	buf = append(buf, '$')
	buf = strconv.AppendInt(buf, int64(len(b)), 10)
	buf = append(buf, '\r', '\n')
	buf = append(buf, b...)
	return append(buf, '\r', '\n')
}

// appendLine appends s with CR and LF replaced by spaces, as Redis does for
// status and error lines.
func appendLine(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		buf = append(buf, c)
	}
	return buf
}

// errSyntax and friends are the common Redis error replies.
var (
	ErrSyntax      = errors.New("ERR syntax error")
	ErrNotInteger  = errors.New("ERR value is not an integer or out of range")
	ErrNotFloat    = errors.New("ERR value is not a valid float")
	ErrNotPositive = errors.New("ERR value is out of range, must be positive")
)
