package replica

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pikaraft/pikaraft/engine"
)

// LogicalDump returns every live key of the strings, hashes, sets, lists
// and zsets types as "db<i>|<type>|<key>" → a canonical text of its value
// (hash fields and set members sorted, zsets with scores, lists in
// order). Two engines hold the same data when their dumps are equal,
// whatever their internal versions and timestamps. Streams are left out:
// Pika 3.5.5's full sync does not transfer them.
func LogicalDump(e *engine.Engine, nowMs int64) (map[string]string, error) {
	out := map[string]string{}
	kinds := []engine.Kind{engine.KindStrings, engine.KindHashes, engine.KindSets, engine.KindLists, engine.KindZSets}
	for i := 0; i < e.NumDBs(); i++ {
		d, err := e.DB(i)
		if err != nil {
			return nil, err
		}
		for _, k := range kinds {
			keys, err := d.Keys([]byte("*"), nowMs, k)
			if err != nil {
				return nil, err
			}
			for _, key := range keys {
				v, err := value(d, k, key, nowMs)
				if err != nil {
					return nil, fmt.Errorf("db%d %s %q: %w", i, k, key, err)
				}
				out[fmt.Sprintf("db%d|%s|%s", i, k, key)] = v
			}
		}
	}
	return out, nil
}

func value(d *engine.DB, k engine.Kind, key []byte, nowMs int64) (string, error) {
	var parts []string
	switch k {
	case engine.KindStrings:
		v, err := d.Get(key, nowMs)
		return string(v), err
	case engine.KindHashes:
		fvs, err := d.HGetAll(key, nowMs)
		if err != nil {
			return "", err
		}
		for _, fv := range fvs {
			parts = append(parts, string(fv.Field)+"="+string(fv.Value))
		}
		sort.Strings(parts)
	case engine.KindSets:
		ms, err := d.SMembers(key, nowMs)
		if err != nil {
			return "", err
		}
		for _, m := range ms {
			parts = append(parts, string(m))
		}
		sort.Strings(parts)
	case engine.KindLists:
		vs, err := d.LRange(key, 0, -1, nowMs)
		if err != nil {
			return "", err
		}
		for _, v := range vs {
			parts = append(parts, string(v))
		}
	case engine.KindZSets:
		ms, err := d.ZRange(key, 0, -1, false, nowMs)
		if err != nil {
			return "", err
		}
		for _, m := range ms {
			parts = append(parts, string(m.Member)+"@"+strconv.FormatFloat(m.Score, 'g', 17, 64))
		}
	}
	return strings.Join(parts, "\x00"), nil
}
