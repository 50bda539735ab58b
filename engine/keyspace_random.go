package engine

import (
	"fmt"
	"math/rand/v2"
)

// ksRandomProbe is how many records RandomKey looks at after a random seek
// before it falls back to the first live key of the kind.
const ksRandomProbe = 64

// ksRandomPick is how many live keys RandomKey chooses among.
const ksRandomPick = 16

// RandomKey returns a random live key of any type, or ErrNotFound when the
// database is empty. seed drives every choice (same seed, same data, same
// key). It seeks to a random point between the first and last key of a
// randomly chosen kind and takes the next live key, so the distribution is
// not uniform (keys after large gaps are likelier), like Redis' own.
func (d *DB) RandomKey(nowMs int64, seed uint64) ([]byte, error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := ksSec(nowMs)
	off := rng.IntN(len(Kinds))
	for i := range Kinds {
		k := Kinds[(off+i)%len(Kinds)]
		key, err := d.randomKeyOf(k, now, rng)
		if err != nil {
			return nil, err
		}
		if key != nil {
			return key, nil
		}
	}
	return nil, ErrNotFound
}

// randomKeyOf returns a random live key of kind k, or nil if it has none.
func (d *DB) randomKeyOf(k Kind, now int32, rng *rand.Rand) ([]byte, error) {
	r, err := d.read(k, true)
	if err != nil {
		return nil, err
	}
	defer r.close()
	it := r.iter(cfMeta, nil, nil)
	defer it.Close()
	it.SeekToFirst()
	if !it.Valid() {
		return nil, it.Err()
	}
	first := it.KeyCopy()
	it.SeekToLast()
	last := it.KeyCopy()
	live := func() bool {
		st, err := ksDecode(k, it.Value().Data(), now)
		return err == nil && st.live
	}
	// From a random point, gather up to ksRandomPick live keys (wrapping
	// around once) within ksRandomProbe records and pick one of them: the
	// random seek alone would favour keys after gaps in the key space.
	var picks [][]byte
	it.Seek(ksRandomBetween(first, last, rng))
	for n, wrapped := 0, false; n < ksRandomProbe && len(picks) < ksRandomPick; n++ {
		if !it.Valid() {
			if wrapped {
				break
			}
			wrapped = true
			it.SeekToFirst()
			continue
		}
		if live() {
			picks = append(picks, it.KeyCopy())
		}
		it.Next()
	}
	if len(picks) > 0 {
		return picks[rng.IntN(len(picks))], nil
	}
	for it.SeekToFirst(); it.Valid(); it.Next() {
		if live() {
			return it.KeyCopy(), nil
		}
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("randomkey %s: %w", k, err)
	}
	return nil, nil
}

// ksRandomBetween returns a random key k with first <= k <= last (roughly).
func ksRandomBetween(first, last []byte, rng *rand.Rand) []byte {
	c := 0
	for c < len(first) && c < len(last) && first[c] == last[c] {
		c++
	}
	out := append([]byte{}, first[:c]...)
	if c == len(last) {
		return out
	}
	lo := 0
	if c < len(first) {
		lo = int(first[c])
	}
	out = append(out, byte(lo+rng.IntN(int(last[c])-lo+1)))
	for n := rng.IntN(8); n > 0; n-- {
		out = append(out, byte(rng.IntN(256)))
	}
	return out
}
