package engine

import (
	"bytes"
	"fmt"
	"math"
)

// Sorted sets (spec §2.4). A zset is a base meta record in CF 0, one
// data_cf record `prefix|member` → f64le score per member, and one score_cf
// record `prefix|f64le score|member` → empty per member, ordered by Pika's
// ZSetsScoreKeyComparator. Every write keeps the two records of a member in
// step and the meta count exact.

// ScoreMember is one member of a sorted set and its score.
type ScoreMember struct {
	Member []byte
	Score  float64
}

// zsetSource is what zset code reads through: a reader (snapshot) or a txn
// (committed state under the instance's write lock).
type zsetSource interface {
	get(cf int, key []byte) ([]byte, error)
	iter(cf int, lower, upper []byte) *Iter
}

// zsetState is the meta of a zset as a command sees it.
type zsetState struct {
	meta  baseMeta
	found bool // a meta record exists (live or not)
	live  bool // exists, not stale, not empty
}

// loadZSet reads the meta of key at nowSec.
func loadZSet(src zsetSource, key []byte, nowSec int32) (zsetState, error) {
	raw, err := src.get(cfMeta, key)
	if err == ErrNotFound {
		return zsetState{}, nil
	}
	if err != nil {
		return zsetState{}, fmt.Errorf("zset %q meta: %w", key, err)
	}
	m, err := decodeBaseMeta(raw)
	if err != nil {
		return zsetState{}, fmt.Errorf("zset %q meta: %w", key, err)
	}
	return zsetState{meta: m, found: true, live: m.Count > 0 && !isStale(m.TS, nowSec)}, nil
}

// forWrite returns the meta a write starts from: the live meta, or a fresh
// one (count 0, no TTL, new version) for a missing, stale or empty key.
func (s zsetState) forWrite(nowSec int32) baseMeta {
	if s.live {
		return s.meta
	}
	var old int32
	if s.found {
		old = s.meta.Version
	}
	return baseMeta{Version: nextVersion(old, nowSec)}
}

// zsetMemberScore reads the score of member in version v; found is false if
// the member has no record.
func zsetMemberScore(src zsetSource, key []byte, v int32, member []byte) (float64, bool, error) {
	raw, err := src.get(cfData, encodeDataKey(key, v, member))
	if err == ErrNotFound {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("zset %q member: %w", key, err)
	}
	s, err := decodeScore(raw)
	if err != nil {
		return 0, false, fmt.Errorf("zset %q member %q: %w", key, member, err)
	}
	return s, true, nil
}

// ZAddOptions are ZADD's flags (Redis forms; Pika 3.5.5 has none of them).
type ZAddOptions struct {
	NX, XX bool // only add new members / only update existing ones
	GT, LT bool // only update when the new score is greater / less
	CH     bool // count changed members as well as added ones
	Incr   bool // ZINCRBY-like: one pair, reply is the new score
}

// Validate reports conflicting options (Redis's wording and order) for a
// ZADD of pairs score/member pairs.
func (o ZAddOptions) Validate(pairs int) error {
	if o.NX && o.XX {
		return ErrZAddXXNX
	}
	if (o.GT && o.LT) || (o.NX && (o.GT || o.LT)) {
		return ErrZAddGTLTNX
	}
	if o.Incr && pairs != 1 {
		return ErrZAddIncrPair
	}
	return nil
}

// ZAddResult is the outcome of ZAdd: Count is the number of added (or,
// with CH, added or changed) members. With Incr, Score is the member's new
// score, and Aborted reports that NX/XX/GT/LT prevented the update (a nil
// reply in Redis).
type ZAddResult struct {
	Count   int64
	Score   float64
	Aborted bool
}

// zsetWrite tracks a command's changes to one zset so that later members of
// the same command see earlier ones (ZADD k 1 a 2 a).
type zsetWrite struct {
	t       *txn
	key     []byte
	meta    baseMeta
	dirty   bool
	pending map[string]zsetPending
}

type zsetPending struct {
	score  float64
	exists bool
}

func newZSetWrite(t *txn, key []byte) (*zsetWrite, zsetState, error) {
	st, err := loadZSet(t, key, t.now)
	if err != nil {
		return nil, st, err
	}
	return &zsetWrite{t: t, key: key, meta: st.forWrite(t.now), pending: map[string]zsetPending{}}, st, nil
}

// score returns the current score of member, including this command's changes.
func (z *zsetWrite) score(member []byte) (float64, bool, error) {
	if p, ok := z.pending[string(member)]; ok {
		return p.score, p.exists, nil
	}
	if z.meta.Count == 0 {
		return 0, false, nil
	}
	return zsetMemberScore(z.t, z.key, z.meta.Version, member)
}

// set writes member with score; old/had are its current score and presence.
func (z *zsetWrite) set(member []byte, score, old float64, had bool) error {
	if had {
		z.t.del(cfScore, encodeZSetScoreKey(z.key, z.meta.Version, old, member))
	} else {
		if z.meta.Count == math.MaxInt32 {
			return ErrZSetOverflow
		}
		z.meta.Count++
	}
	z.t.put(cfData, encodeDataKey(z.key, z.meta.Version, member), encodeScore(score))
	z.t.put(cfScore, encodeZSetScoreKey(z.key, z.meta.Version, score, member), nil)
	z.pending[string(member)] = zsetPending{score: score, exists: true}
	z.dirty = true
	return nil
}

// remove deletes member, whose current score is old.
func (z *zsetWrite) remove(member []byte, old float64) {
	z.t.del(cfData, encodeDataKey(z.key, z.meta.Version, member))
	z.t.del(cfScore, encodeZSetScoreKey(z.key, z.meta.Version, old, member))
	z.meta.Count--
	z.pending[string(member)] = zsetPending{}
	z.dirty = true
}

// finish writes the meta if anything changed.
func (z *zsetWrite) finish() {
	if z.dirty {
		z.t.put(cfMeta, z.key, z.meta.encode())
	}
}

// ZAdd adds or updates members of the zset at key (ZADD). Members are
// applied in order, so a member given twice ends with its last score.
func (d *DB) ZAdd(w Writer, key []byte, opts ZAddOptions, members []ScoreMember) (ZAddResult, error) {
	if err := opts.Validate(len(members)); err != nil {
		return ZAddResult{}, err
	}
	for _, sm := range members {
		if math.IsNaN(sm.Score) {
			return ZAddResult{}, ErrNotFloat
		}
	}
	var res ZAddResult
	err := d.update(KindZSets, w, func(t *txn) error {
		z, _, err := newZSetWrite(t, key)
		if err != nil {
			return err
		}
		for _, sm := range members {
			old, had, err := z.score(sm.Member)
			if err != nil {
				return err
			}
			score := sm.Score
			if opts.Incr && had {
				score = old + sm.Score
				if math.IsNaN(score) {
					return ErrScoreNaN
				}
			}
			if (opts.NX && had) || (opts.XX && !had) ||
				(had && opts.GT && score <= old) || (had && opts.LT && score >= old) {
				res.Aborted = true
				continue
			}
			res.Score = score
			if had && score == old {
				continue
			}
			if err := z.set(sm.Member, score, old, had); err != nil {
				return err
			}
			if !had || opts.CH {
				res.Count++
			}
		}
		z.finish()
		return nil
	})
	if err != nil {
		return ZAddResult{}, err
	}
	return res, nil
}

// ZIncrBy adds incr to the score of member (0 if absent) and returns the
// new score (ZINCRBY).
func (d *DB) ZIncrBy(w Writer, key []byte, incr float64, member []byte) (float64, error) {
	res, err := d.ZAdd(w, key, ZAddOptions{Incr: true}, []ScoreMember{{Member: member, Score: incr}})
	return res.Score, err
}

// ZRem removes members and returns how many existed (ZREM).
func (d *DB) ZRem(w Writer, key []byte, members [][]byte) (int64, error) {
	var n int64
	err := d.update(KindZSets, w, func(t *txn) error {
		z, st, err := newZSetWrite(t, key)
		if err != nil || !st.live {
			return err
		}
		for _, m := range members {
			old, had, err := z.score(m)
			if err != nil {
				return err
			}
			if had {
				z.remove(m, old)
				n++
			}
		}
		z.finish()
		return nil
	})
	return n, err
}

// ZCard returns the number of members (ZCARD); 0 for a missing key.
func (d *DB) ZCard(key []byte, nowMs int64) (int64, error) {
	r, err := d.read(KindZSets, false)
	if err != nil {
		return 0, err
	}
	defer r.close()
	st, err := loadZSet(r, key, msToSec(nowMs))
	if err != nil || !st.live {
		return 0, err
	}
	return int64(st.meta.Count), nil
}

// ZScore returns the score of member (ZSCORE); ErrNotFound if the key or
// the member does not exist.
func (d *DB) ZScore(key, member []byte, nowMs int64) (float64, error) {
	scores, err := d.ZMScore(key, [][]byte{member}, nowMs)
	if err != nil {
		return 0, err
	}
	if scores[0] == nil {
		return 0, ErrNotFound
	}
	return *scores[0], nil
}

// ZMScore returns the score of each member, nil where it does not exist (ZMSCORE).
func (d *DB) ZMScore(key []byte, members [][]byte, nowMs int64) ([]*float64, error) {
	r, err := d.read(KindZSets, true)
	if err != nil {
		return nil, err
	}
	defer r.close()
	out := make([]*float64, len(members))
	st, err := loadZSet(r, key, msToSec(nowMs))
	if err != nil || !st.live {
		return out, err
	}
	for i, m := range members {
		s, ok, err := zsetMemberScore(r, key, st.meta.Version, m)
		if err != nil {
			return nil, err
		}
		if ok {
			out[i] = &s
		}
	}
	return out, nil
}

// zscoreIter walks the score_cf records of one zset version in score order
// (or reverse order), decoding each record.
type zscoreIter struct {
	it     *Iter
	key    []byte
	prefix []byte
	rev    bool
	err    error
	sm     ScoreMember
	copies copyArena // the members handed out
}

// newZScoreIter opens an iterator over the zset version, not yet positioned.
func newZScoreIter(src zsetSource, key []byte, version int32, rev bool) *zscoreIter {
	prefix := dataKeyPrefix(key, version)
	return &zscoreIter{it: src.iter(cfScore, prefix, prefixUpperBound(prefix)), key: key, prefix: prefix, rev: rev}
}

// first positions on the lowest (or, reversed, highest) score.
func (z *zscoreIter) first() bool {
	if z.rev {
		z.it.SeekToLast()
	} else {
		z.it.SeekToFirst()
	}
	return z.load()
}

// seekScore positions forward on the first member with score >= s, or
// reversed on the last member with score <= s.
func (z *zscoreIter) seekScore(s float64) bool {
	if !z.rev {
		z.it.Seek(appendScoreBound(z.prefix, s))
		return z.load()
	}
	if math.IsInf(s, 1) {
		return z.first()
	}
	z.it.Seek(appendScoreBound(z.prefix, math.Nextafter(s, math.Inf(1))))
	if z.it.Valid() {
		z.it.Prev()
	} else {
		z.it.SeekToLast()
	}
	return z.load()
}

func appendScoreBound(prefix []byte, s float64) []byte {
	out := append(make([]byte, 0, len(prefix)+8), prefix...)
	return append(out, encodeScore(s)...)
}

// next moves one record on.
func (z *zscoreIter) next() bool {
	if z.rev {
		z.it.Prev()
	} else {
		z.it.Next()
	}
	return z.load()
}

// load decodes the current record into z.sm; false at the end or on error.
func (z *zscoreIter) load() bool {
	if !z.it.Valid() {
		if err := z.it.Err(); err != nil {
			z.err = fmt.Errorf("zset %q scan: %w", z.key, err)
		}
		return false
	}
	k := z.it.Key()
	raw := k.Data()
	defer k.Free()
	if !bytes.HasPrefix(raw, z.prefix) {
		return false
	}
	rest := raw[len(z.prefix):]
	if len(rest) < 8 {
		z.err = fmt.Errorf("%w: zset %q score key of %d bytes", ErrCorrupt, z.key, len(raw))
		return false
	}
	s, _ := decodeScore(rest[:8])
	z.sm = ScoreMember{Member: z.copies.copy(rest[8:]), Score: s}
	return true
}

func (z *zscoreIter) close() { z.it.Close() }
