package engine

import (
	"errors"
	"fmt"
)

// Set reads and the set algebra shared by SUNION/SINTER/SDIFF and their
// STORE forms. A missing, expired or empty set reads as empty.

// SCard returns the number of members. It reads the meta's count only.
func (d *DB) SCard(key []byte, nowMs int64) (int64, error) {
	return d.baseCount(KindSets, key, nowMs)
}

// SMembers returns every member in member order, read from one snapshot.
func (d *DB) SMembers(key []byte, nowMs int64) ([][]byte, error) {
	r, err := d.read(KindSets, true)
	if err != nil {
		return nil, err
	}
	defer r.close()
	return setMembers(r, key, readNowSec(nowMs))
}

// SIsMember reports whether member is in the set.
func (d *DB) SIsMember(key, member []byte, nowMs int64) (bool, error) {
	res, err := d.SMIsMember(key, [][]byte{member}, nowMs)
	if err != nil {
		return false, err
	}
	return res[0], nil
}

// SMIsMember reports for each member whether it is in the set.
func (d *DB) SMIsMember(key []byte, members [][]byte, nowMs int64) ([]bool, error) {
	out := make([]bool, len(members))
	r, m, err := d.readLive(KindSets, key, nowMs, true)
	if errors.Is(err, ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.close()
	for i, mem := range members {
		if out[i], err = hasData(r, key, m.Version, mem); err != nil {
			return nil, fmt.Errorf("sismember %q: %w", key, err)
		}
	}
	return out, nil
}

// hasData reports whether the data record of suffix exists at version.
func hasData(src recordSource, key []byte, version int32, suffix []byte) (bool, error) {
	_, err := src.get(cfData, encodeDataKey(key, version, suffix))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// setMembers returns the members of the live set key (none if it does not
// exist).
func setMembers(src recordSource, key []byte, nowSec int32) ([][]byte, error) {
	m, err := liveBaseMeta(src, key, nowSec)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out [][]byte
	err = eachData(src, key, m.Version, func(mem, _ []byte) bool {
		out = append(out, mem)
		return true
	})
	return out, err
}

// SRandMember returns random members chosen from seed without changing the
// set. count > 0: up to count distinct members, in member order; count < 0:
// exactly -count members, possibly repeated, in the order drawn.
func (d *DB) SRandMember(key []byte, count int64, seed uint64, nowMs int64) ([][]byte, error) {
	r, m, err := d.readLive(KindSets, key, nowMs, true)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.close()
	var out [][]byte
	err = randomPick(r, key, m, count, seed, func(mem, _ []byte) { out = append(out, mem) })
	return out, err
}

// randomPick calls fn with count records of the collection m chosen from
// seed, with the count semantics of SRANDMEMBER and HRANDFIELD.
func randomPick(src recordSource, key []byte, m baseMeta, count int64, seed uint64, fn func(suffix, value []byte)) error {
	n := int64(m.Count)
	if count >= 0 {
		var picks map[int64]bool
		if count < n {
			picks = pickDistinct(seed, n, count)
		}
		var i int64
		return eachData(src, key, m.Version, func(s, v []byte) bool {
			if picks == nil || picks[i] {
				fn(s, v)
			}
			i++
			return true
		})
	}
	draws := pickRepeated(seed, n, -count)
	want := make(map[int64]int, len(draws))
	for _, idx := range draws {
		want[idx] = -1
	}
	var recs [][2][]byte
	var i int64
	err := eachData(src, key, m.Version, func(s, v []byte) bool {
		if _, ok := want[i]; ok {
			want[i] = len(recs)
			recs = append(recs, [2][]byte{s, v})
		}
		i++
		return true
	})
	if err != nil {
		return err
	}
	for _, idx := range draws {
		j := want[idx]
		if j < 0 {
			return fmt.Errorf("%w: %q has fewer records than its count %d", ErrCorrupt, key, n)
		}
		fn(recs[j][0], recs[j][1])
	}
	return nil
}

// SUnion returns the union of the sets, members in order of first
// appearance (Pika's order).
func (d *DB) SUnion(keys [][]byte, nowMs int64) ([][]byte, error) {
	return d.setRead(keys, nowMs, setUnion)
}

// SInter returns the members of the first set present in every other set.
func (d *DB) SInter(keys [][]byte, nowMs int64) ([][]byte, error) {
	return d.setRead(keys, nowMs, setInter)
}

// SDiff returns the members of the first set present in none of the others.
func (d *DB) SDiff(keys [][]byte, nowMs int64) ([][]byte, error) {
	return d.setRead(keys, nowMs, setDiff)
}

func (d *DB) setRead(keys [][]byte, nowMs int64, op setOp) ([][]byte, error) {
	r, err := d.read(KindSets, true)
	if err != nil {
		return nil, err
	}
	defer r.close()
	return op(r, keys, readNowSec(nowMs))
}

// setOp computes a set operation over keys.
type setOp func(src recordSource, keys [][]byte, nowSec int32) ([][]byte, error)

func setUnion(src recordSource, keys [][]byte, nowSec int32) ([][]byte, error) {
	seen := map[string]bool{}
	var out [][]byte
	for _, k := range keys {
		members, err := setMembers(src, k, nowSec)
		if err != nil {
			return nil, err
		}
		for _, mem := range members {
			if !seen[string(mem)] {
				seen[string(mem)] = true
				out = append(out, mem)
			}
		}
	}
	return out, nil
}

func setInter(src recordSource, keys [][]byte, nowSec int32) ([][]byte, error) {
	return filterFirst(src, keys, nowSec, true)
}

func setDiff(src recordSource, keys [][]byte, nowSec int32) ([][]byte, error) {
	return filterFirst(src, keys, nowSec, false)
}

// filterFirst returns the members of keys[0] that are in every other set
// (in true) or in none of them (in false). For an intersection a missing
// set makes the result empty.
func filterFirst(src recordSource, keys [][]byte, nowSec int32, in bool) ([][]byte, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	others := make([]baseMeta, 0, len(keys)-1)
	otherKeys := make([][]byte, 0, len(keys)-1)
	for _, k := range keys[1:] {
		m, err := liveBaseMeta(src, k, nowSec)
		if errors.Is(err, ErrNotFound) {
			if in {
				return nil, nil
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		others = append(others, m)
		otherKeys = append(otherKeys, k)
	}
	first, err := setMembers(src, keys[0], nowSec)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for _, mem := range first {
		keep := true
		for i, m := range others {
			has, err := hasData(src, otherKeys[i], m.Version, mem)
			if err != nil {
				return nil, err
			}
			if has != in {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, mem)
		}
	}
	return out, nil
}
