package engine

import (
	"bytes"
	"fmt"
)

// Range queries on sorted sets: by rank and by score through score_cf (score
// order, ties by member bytes), by lexicographic range through data_cf
// (member order). Reads run under one snapshot; the same walkers serve the
// ZREMRANGEBY* writes on the committed state.

// ScoreRange is a closed or open score interval (ZRANGEBYSCORE min max).
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool // the bound is exclusive ("(1.5")
}

func (r ScoreRange) aboveMin(s float64) bool {
	if r.MinEx {
		return s > r.Min
	}
	return s >= r.Min
}

func (r ScoreRange) belowMax(s float64) bool {
	if r.MaxEx {
		return s < r.Max
	}
	return s <= r.Max
}

// LexBound is one end of a ZRANGEBYLEX interval: "-" (Inf -1), "+" (Inf
// +1), "[value" or "(value" (Exclusive).
type LexBound struct {
	Value     []byte
	Exclusive bool
	Inf       int
}

// LexRange is a ZRANGEBYLEX interval.
type LexRange struct{ Min, Max LexBound }

func (r LexRange) aboveMin(m []byte) bool {
	switch r.Min.Inf {
	case -1:
		return true
	case 1:
		return false
	}
	c := bytes.Compare(m, r.Min.Value)
	return c > 0 || (c == 0 && !r.Min.Exclusive)
}

func (r LexRange) belowMax(m []byte) bool {
	switch r.Max.Inf {
	case 1:
		return true
	case -1:
		return false
	}
	c := bytes.Compare(m, r.Max.Value)
	return c < 0 || (c == 0 && !r.Max.Exclusive)
}

// Limit is a LIMIT offset count clause. A negative Count means no limit; a
// negative Offset selects nothing (as in Redis).
type Limit struct{ Offset, Count int64 }

// NoLimit selects everything.
var NoLimit = Limit{Count: -1}

// take applies the limit to a stream of matches: skip reports that the
// match is before the offset, stop that no more are wanted.
type limiter struct {
	skip, left int64
}

func (l Limit) start() limiter { return limiter{skip: l.Offset, left: l.Count} }

// admit reports whether the next match is emitted and whether the walk
// should go on afterwards.
func (l *limiter) admit() (emit, more bool) {
	if l.skip < 0 || l.left == 0 {
		return false, false
	}
	if l.skip > 0 {
		l.skip--
		return false, true
	}
	if l.left > 0 {
		l.left--
	}
	return true, l.left != 0
}

// normalizeRank turns Redis start/stop (negative from the end) into a
// 0-based inclusive range of a zset of n members; ok is false if empty.
func normalizeRank(start, stop, n int64) (int64, int64, bool) {
	if start < 0 {
		start += n
	}
	if stop < 0 {
		stop += n
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= n {
		return 0, 0, false
	}
	if stop >= n {
		stop = n - 1
	}
	return start, stop, true
}

// walkRank emits the members with rank start..stop (already normalized),
// counting from the highest score when rev.
func walkRank(src zsetSource, key []byte, m baseMeta, start, stop int64, rev bool, emit func(ScoreMember)) error {
	z := newZScoreIter(src, key, m.Version, rev)
	defer z.close()
	var i int64
	for ok := z.first(); ok && i <= stop; ok = z.next() {
		if i >= start {
			emit(z.sm)
		}
		i++
	}
	return z.err
}

// walkScore emits the members whose score is in r, in score order (reversed
// when rev), after applying lim.
func walkScore(src zsetSource, key []byte, m baseMeta, r ScoreRange, rev bool, lim Limit, emit func(ScoreMember)) error {
	z := newZScoreIter(src, key, m.Version, rev)
	defer z.close()
	l := lim.start()
	from, inside, past := r.Min, r.aboveMin, r.belowMax
	if rev {
		from, inside, past = r.Max, r.belowMax, r.aboveMin
	}
	for ok := z.seekScore(from); ok; ok = z.next() {
		if !inside(z.sm.Score) {
			continue // an exclusive bound: skip the equal scores
		}
		if !past(z.sm.Score) {
			break
		}
		e, more := l.admit()
		if e {
			emit(z.sm)
		}
		if !more {
			break
		}
	}
	return z.err
}

// walkLex emits the members in r in member order (reversed when rev), after
// applying lim. It walks data_cf, whose bytewise order is member order.
func walkLex(src zsetSource, key []byte, m baseMeta, r LexRange, rev bool, lim Limit, emit func(ScoreMember)) error {
	prefix := dataKeyPrefix(key, m.Version)
	it := src.iter(cfData, prefix, prefixUpperBound(prefix))
	defer it.Close()
	switch {
	case !rev && r.Min.Inf == 0:
		it.Seek(append(append([]byte(nil), prefix...), r.Min.Value...))
	case !rev:
		it.SeekToFirst()
	case r.Max.Inf == 0:
		it.SeekForPrev(append(append([]byte(nil), prefix...), r.Max.Value...))
	default:
		it.SeekToLast()
	}
	inside, past := r.aboveMin, r.belowMax
	if rev {
		inside, past = r.belowMax, r.aboveMin
	}
	l := lim.start()
	var copies copyArena
	for ; it.Valid(); stepIter(it, rev) {
		k := it.Key()
		raw := k.Data()
		inPrefix := bytes.HasPrefix(raw, prefix)
		var member []byte
		if inPrefix {
			member = copies.copy(raw[len(prefix):])
		}
		k.Free()
		if !inPrefix {
			break
		}
		if !inside(member) {
			continue
		}
		if !past(member) {
			break
		}
		e, more := l.admit()
		if e {
			v := it.Value()
			s, err := decodeScore(v.Data())
			v.Free()
			if err != nil {
				return fmt.Errorf("zset %q member %q: %w", key, member, err)
			}
			emit(ScoreMember{Member: member, Score: s})
		}
		if !more {
			break
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("zset %q scan: %w", key, err)
	}
	return nil
}

func stepIter(it *Iter, rev bool) {
	if rev {
		it.Prev()
	} else {
		it.Next()
	}
}

// zsetRead runs fn on the live meta of key under one snapshot; fn is not
// called when the key does not exist.
func (d *DB) zsetRead(key []byte, nowMs int64, fn func(r *reader, m baseMeta) error) error {
	r, err := d.read(KindZSets, true)
	if err != nil {
		return err
	}
	defer r.close()
	st, err := loadZSet(r, key, msToSec(nowMs))
	if err != nil || !st.live {
		return err
	}
	return fn(r, st.meta)
}

// ZRange returns the members with rank start..stop (negative counts from the
// end) in score order, or from the highest score when rev (ZRANGE, ZREVRANGE).
func (d *DB) ZRange(key []byte, start, stop int64, rev bool, nowMs int64) ([]ScoreMember, error) {
	var out []ScoreMember
	err := d.zsetRead(key, nowMs, func(r *reader, m baseMeta) error {
		s, e, ok := normalizeRank(start, stop, int64(m.Count))
		if !ok {
			return nil
		}
		out = make([]ScoreMember, 0, e-s+1)
		return walkRank(r, key, m, s, e, rev, func(sm ScoreMember) { out = append(out, sm) })
	})
	return out, err
}

// ZRangeByScore returns the members with scores in rng, ascending (or
// descending when rev), after LIMIT (ZRANGEBYSCORE, ZREVRANGEBYSCORE).
func (d *DB) ZRangeByScore(key []byte, rng ScoreRange, rev bool, lim Limit, nowMs int64) ([]ScoreMember, error) {
	var out []ScoreMember
	err := d.zsetRead(key, nowMs, func(r *reader, m baseMeta) error {
		return walkScore(r, key, m, rng, rev, lim, func(sm ScoreMember) { out = append(out, sm) })
	})
	return out, err
}

// ZRangeByLex returns the members in the lexicographic range rng, ascending
// (or descending when rev), after LIMIT (ZRANGEBYLEX, ZREVRANGEBYLEX).
func (d *DB) ZRangeByLex(key []byte, rng LexRange, rev bool, lim Limit, nowMs int64) ([]ScoreMember, error) {
	var out []ScoreMember
	err := d.zsetRead(key, nowMs, func(r *reader, m baseMeta) error {
		return walkLex(r, key, m, rng, rev, lim, func(sm ScoreMember) { out = append(out, sm) })
	})
	return out, err
}

// ZCount returns the number of members with scores in rng (ZCOUNT).
func (d *DB) ZCount(key []byte, rng ScoreRange, nowMs int64) (int64, error) {
	var n int64
	err := d.zsetRead(key, nowMs, func(r *reader, m baseMeta) error {
		return walkScore(r, key, m, rng, false, NoLimit, func(ScoreMember) { n++ })
	})
	return n, err
}

// ZLexCount returns the number of members in the lexicographic range (ZLEXCOUNT).
func (d *DB) ZLexCount(key []byte, rng LexRange, nowMs int64) (int64, error) {
	var n int64
	err := d.zsetRead(key, nowMs, func(r *reader, m baseMeta) error {
		return walkLex(r, key, m, rng, false, NoLimit, func(ScoreMember) { n++ })
	})
	return n, err
}

// ZRank returns the 0-based rank of member by ascending score (by
// descending score when rev); ErrNotFound if the key or member is missing
// (ZRANK, ZREVRANK).
func (d *DB) ZRank(key, member []byte, rev bool, nowMs int64) (int64, error) {
	rank := int64(-1)
	err := d.zsetRead(key, nowMs, func(r *reader, m baseMeta) error {
		score, ok, err := zsetMemberScore(r, key, m.Version, member)
		if err != nil || !ok {
			return err
		}
		z := newZScoreIter(r, key, m.Version, rev)
		defer z.close()
		var i int64
		for ok := z.first(); ok; ok = z.next() {
			if z.sm.Score == score && bytes.Equal(z.sm.Member, member) {
				rank = i
				return nil
			}
			i++
		}
		if z.err != nil {
			return z.err
		}
		return fmt.Errorf("%w: zset %q member %q has no score record", ErrCorrupt, key, member)
	})
	if err != nil {
		return 0, err
	}
	if rank < 0 {
		return 0, ErrNotFound
	}
	return rank, nil
}

// ZScan returns up to count members in member order starting at position
// cursor, keeping those match accepts (nil accepts all), and the cursor to
// continue from (0 when done) (ZSCAN). The cursor is a position in the
// member order, like Pika's.
func (d *DB) ZScan(key []byte, cursor uint64, match func(member []byte) bool, count int, nowMs int64) (uint64, []ScoreMember, error) {
	if count < 1 {
		count = 10
	}
	var out []ScoreMember
	var next uint64
	err := d.zsetRead(key, nowMs, func(r *reader, m baseMeta) error {
		var pos uint64
		all := LexRange{Min: LexBound{Inf: -1}, Max: LexBound{Inf: 1}}
		return walkLex(r, key, m, all, false, Limit{Offset: int64(min(cursor, uint64(m.Count))), Count: int64(count) + 1}, func(sm ScoreMember) {
			pos++
			if pos > uint64(count) {
				next = cursor + uint64(count)
				return
			}
			if match == nil || match(sm.Member) {
				out = append(out, sm)
			}
		})
	})
	return next, out, err
}

// ZRangeByScores returns, under one snapshot, the members in each of the
// score ranges, ascending. Geo searches use it to scan their geohash cells.
func (d *DB) ZRangeByScores(key []byte, ranges []ScoreRange, nowMs int64) ([][]ScoreMember, error) {
	out := make([][]ScoreMember, len(ranges))
	err := d.zsetRead(key, nowMs, func(r *reader, m baseMeta) error {
		for i, rng := range ranges {
			err := walkScore(r, key, m, rng, false, NoLimit, func(sm ScoreMember) { out[i] = append(out[i], sm) })
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
