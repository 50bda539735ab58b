package engine

import (
	"math"
	"sort"
)

// Sorted-set writes that remove ranges, pop, or replace a whole destination
// (ZUNIONSTORE, ZINTERSTORE, and the STORE forms of range and geo commands).

// zremWhere removes the members that walk emits, in one write, and returns
// how many were removed.
func (d *DB) zremWhere(w Writer, key []byte, walk func(t *txn, m baseMeta, emit func(ScoreMember)) error) ([]ScoreMember, error) {
	var removed []ScoreMember
	err := d.update(KindZSets, w, func(t *txn) error {
		z, st, err := newZSetWrite(t, key)
		if err != nil || !st.live {
			return err
		}
		if err := walk(t, z.meta, func(sm ScoreMember) { removed = append(removed, sm) }); err != nil {
			return err
		}
		for _, sm := range removed {
			z.remove(sm.Member, sm.Score)
		}
		z.finish()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return removed, nil
}

// ZRemRangeByRank removes the members with rank start..stop (ZREMRANGEBYRANK).
func (d *DB) ZRemRangeByRank(w Writer, key []byte, start, stop int64) (int64, error) {
	removed, err := d.zremWhere(w, key, func(t *txn, m baseMeta, emit func(ScoreMember)) error {
		s, e, ok := normalizeRank(start, stop, int64(m.Count))
		if !ok {
			return nil
		}
		return walkRank(t, key, m, s, e, false, emit)
	})
	return int64(len(removed)), err
}

// ZRemRangeByScore removes the members with scores in rng (ZREMRANGEBYSCORE).
func (d *DB) ZRemRangeByScore(w Writer, key []byte, rng ScoreRange) (int64, error) {
	removed, err := d.zremWhere(w, key, func(t *txn, m baseMeta, emit func(ScoreMember)) error {
		return walkScore(t, key, m, rng, false, NoLimit, emit)
	})
	return int64(len(removed)), err
}

// ZRemRangeByLex removes the members in the lexicographic range (ZREMRANGEBYLEX).
func (d *DB) ZRemRangeByLex(w Writer, key []byte, rng LexRange) (int64, error) {
	removed, err := d.zremWhere(w, key, func(t *txn, m baseMeta, emit func(ScoreMember)) error {
		return walkLex(t, key, m, rng, false, NoLimit, emit)
	})
	return int64(len(removed)), err
}

// ZPop removes and returns up to count members with the lowest scores (the
// highest when max) (ZPOPMIN, ZPOPMAX).
func (d *DB) ZPop(w Writer, key []byte, count int64, max bool) ([]ScoreMember, error) {
	if count <= 0 {
		return nil, nil
	}
	return d.zremWhere(w, key, func(t *txn, m baseMeta, emit func(ScoreMember)) error {
		return walkRank(t, key, m, 0, count-1, max, emit)
	})
}

// storeZSet replaces dest with members inside t and returns the new
// cardinality. A dest that exists in any state gets a new version (its old
// records become invisible), as Pika's ZUNIONSTORE does; an empty result
// leaves an empty meta, i.e. no key.
func storeZSet(t *txn, dest []byte, members []ScoreMember) (int64, error) {
	st, err := loadZSet(t, dest, t.now)
	if err != nil {
		return 0, err
	}
	if !st.found && len(members) == 0 {
		return 0, nil
	}
	var old int32
	if st.found {
		old = st.meta.Version
	}
	z := &zsetWrite{t: t, key: dest, meta: baseMeta{Version: nextVersion(old, t.now)}, pending: map[string]zsetPending{}}
	z.dirty = true
	for _, sm := range members {
		prev, had := z.pending[string(sm.Member)]
		if err := z.set(sm.Member, sm.Score, prev.score, had); err != nil {
			return 0, err
		}
	}
	z.finish()
	return int64(z.meta.Count), nil
}

// ZStore replaces the zset at dest with members (a member given twice keeps
// its last score) and returns the new cardinality (ZRANGESTORE, GEORADIUS
// STORE). An empty members list deletes dest.
func (d *DB) ZStore(w Writer, dest []byte, members []ScoreMember) (int64, error) {
	var n int64
	err := d.update(KindZSets, w, func(t *txn) error {
		var err error
		n, err = storeZSet(t, dest, members)
		return err
	})
	return n, err
}

// ZAggregate is how ZUNIONSTORE/ZINTERSTORE combine the scores of a member.
type ZAggregate int

// The AGGREGATE choices.
const (
	AggSum ZAggregate = iota
	AggMin
	AggMax
)

func (a ZAggregate) apply(x, y float64) float64 {
	switch a {
	case AggMin:
		return math.Min(x, y)
	case AggMax:
		return math.Max(x, y)
	}
	s := x + y
	if math.IsNaN(s) { // inf + -inf
		return 0
	}
	return s
}

// weighted multiplies as Redis does: a NaN product (0 * inf) becomes 0.
func weighted(score, weight float64) float64 {
	s := score * weight
	if math.IsNaN(s) {
		return 0
	}
	return s
}

// zsetSourceSet is one input of a union or intersection.
type zsetSourceSet struct {
	key    []byte
	meta   baseMeta
	weight float64
}

// ZUnionStore stores the union of the zsets at keys into dest and returns
// its cardinality (ZUNIONSTORE). weights (nil = all 1) multiply each
// input's scores; agg combines a member's scores.
func (d *DB) ZUnionStore(w Writer, dest []byte, keys [][]byte, weights []float64, agg ZAggregate) (int64, error) {
	return d.zsetCombineStore(w, dest, keys, weights, agg, false)
}

// ZInterStore stores the intersection of the zsets at keys into dest and
// returns its cardinality (ZINTERSTORE).
func (d *DB) ZInterStore(w Writer, dest []byte, keys [][]byte, weights []float64, agg ZAggregate) (int64, error) {
	return d.zsetCombineStore(w, dest, keys, weights, agg, true)
}

func (d *DB) zsetCombineStore(w Writer, dest []byte, keys [][]byte, weights []float64, agg ZAggregate, inter bool) (int64, error) {
	var n int64
	err := d.update(KindZSets, w, func(t *txn) error {
		srcs := make([]zsetSourceSet, len(keys))
		for i, k := range keys {
			st, err := loadZSet(t, k, t.now)
			if err != nil {
				return err
			}
			srcs[i] = zsetSourceSet{key: k, weight: 1}
			if st.live {
				srcs[i].meta = st.meta
			}
			if weights != nil {
				srcs[i].weight = weights[i]
			}
		}
		var result []ScoreMember
		var err error
		if inter {
			result, err = zsetInter(t, srcs, agg)
		} else {
			result, err = zsetUnion(t, srcs, agg)
		}
		if err != nil {
			return err
		}
		n, err = storeZSet(t, dest, result)
		return err
	})
	return n, err
}

// zsetMembers returns every member of a source in member order.
func zsetMembers(t *txn, s zsetSourceSet) ([]ScoreMember, error) {
	var out []ScoreMember
	if s.meta.Count == 0 {
		return nil, nil
	}
	all := LexRange{Min: LexBound{Inf: -1}, Max: LexBound{Inf: 1}}
	err := walkLex(t, s.key, s.meta, all, false, NoLimit, func(sm ScoreMember) { out = append(out, sm) })
	return out, err
}

func zsetUnion(t *txn, srcs []zsetSourceSet, agg ZAggregate) ([]ScoreMember, error) {
	index := map[string]int{}
	var out []ScoreMember
	for _, s := range srcs {
		members, err := zsetMembers(t, s)
		if err != nil {
			return nil, err
		}
		for _, sm := range members {
			v := weighted(sm.Score, s.weight)
			if i, ok := index[string(sm.Member)]; ok {
				out[i].Score = agg.apply(out[i].Score, v)
				continue
			}
			index[string(sm.Member)] = len(out)
			out = append(out, ScoreMember{Member: sm.Member, Score: v})
		}
	}
	return out, nil
}

// zsetInter walks the smallest input and looks each member up in the
// others, in ascending order of size as Redis does.
func zsetInter(t *txn, srcs []zsetSourceSet, agg ZAggregate) ([]ScoreMember, error) {
	sorted := append([]zsetSourceSet(nil), srcs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].meta.Count < sorted[j].meta.Count })
	if len(sorted) == 0 || sorted[0].meta.Count == 0 {
		return nil, nil
	}
	members, err := zsetMembers(t, sorted[0])
	if err != nil {
		return nil, err
	}
	var out []ScoreMember
next:
	for _, sm := range members {
		score := weighted(sm.Score, sorted[0].weight)
		for _, s := range sorted[1:] {
			v, ok, err := zsetMemberScore(t, s.key, s.meta.Version, sm.Member)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue next
			}
			score = agg.apply(score, weighted(v, s.weight))
		}
		out = append(out, ScoreMember{Member: sm.Member, Score: score})
	}
	return out, nil
}
