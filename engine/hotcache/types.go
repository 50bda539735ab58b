package hotcache

import (
	"fmt"
	"strings"
)

// Kind is the Redis type a cached value belongs to. Pika keeps one
// namespace per type, so a key name can hold a string and a list at once;
// the cache keys its entries by (db, kind, key) and invalidates a key name
// across every kind.
type Kind uint8

// The kinds the cache can hold.
const (
	KindString Kind = iota // GET
	KindList               // the head of a list (LRANGE)
	numKinds
)

// Types is a set of kinds (pika.conf cache-type).
type Types uint32

// Has reports whether k is in the set.
func (t Types) Has(k Kind) bool { return t&(1<<k) != 0 }

// pikaTypes are the names pika.conf's cache-type accepts. Only string and
// list have a cache in pikaraft; set, zset, hash and bit are accepted and
// cache nothing.
var pikaTypes = map[string]Types{
	"string": 1 << KindString,
	"list":   1 << KindList,
	"set":    0,
	"zset":   0,
	"hash":   0,
	"bit":    0,
}

// ParseTypes parses pika.conf's cache-type: a comma-separated list of
// string, set, zset, list, hash and bit (spaces and case ignored, empty
// items skipped).
func ParseTypes(s string) (Types, error) {
	var t Types
	for _, item := range strings.Split(s, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		if item == "" {
			continue
		}
		bit, ok := pikaTypes[item]
		if !ok {
			return 0, fmt.Errorf("cache-type: unknown type %q (want string, set, zset, list, hash or bit)", item)
		}
		t |= bit
	}
	return t, nil
}
