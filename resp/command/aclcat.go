package command

import (
	"sort"
	"strings"
)

// ACLCategoryOrder is Redis's ACL category table order.
var ACLCategoryOrder = []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash",
	"string", "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
	"blocking", "dangerous", "connection", "transaction", "scripting"}

// ACLCategories returns the command's categories plus those Redis implies
// from its flags (write, read, admin+dangerous, pubsub, fast, blocking, and
// slow for everything not fast), in Redis's order.
func (s *Spec) ACLCategories() []string {
	has := map[string]bool{}
	for _, c := range s.Categories {
		has[strings.TrimPrefix(strings.ToLower(c), "@")] = true
	}
	f := s.Flags
	if f&FlagWrite != 0 {
		has["write"] = true
	}
	if f&FlagReadOnly != 0 {
		has["read"] = true
	}
	if f&FlagAdmin != 0 {
		has["admin"], has["dangerous"] = true, true
	}
	if f&FlagPubSub != 0 {
		has["pubsub"] = true
	}
	if f&FlagFast != 0 {
		has["fast"] = true
	}
	if f&FlagBlocking != 0 {
		has["blocking"] = true
	}
	if !has["fast"] {
		has["slow"] = true
	}
	var out []string
	for _, c := range ACLCategoryOrder {
		if has[c] {
			out = append(out, c)
			delete(has, c)
		}
	}
	var rest []string
	for c := range has {
		rest = append(rest, c)
	}
	sort.Strings(rest)
	return append(out, rest...)
}
