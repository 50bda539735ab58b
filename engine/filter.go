package engine

import (
	"sync"
	"sync/atomic"

	"github.com/linxGnu/grocksdb"
)

// Compaction filters: Pika's garbage collection (spec §1.5). They drop
// expired strings, dead collection metas and data records whose collection
// was deleted, expired or re-created with a newer version. Reads never
// depend on them: every read re-checks TTL and version itself.
//
// "now" for the filters is the expiry horizon set by the owner of the engine
// (the last applied cluster time), never the local clock, so a node never
// drops a record that the cluster still considers alive.

// filterSet holds the compaction filters of every instance and the state
// they share.
type filterSet struct {
	nowSec atomic.Int32

	mu    sync.RWMutex // guards insts against close
	insts map[filterKey]*instance
}

type filterKey struct {
	db   int
	kind Kind
}

func newFilterSet() *filterSet {
	return &filterSet{insts: map[filterKey]*instance{}}
}

func (s *filterSet) setNow(ms int64) { s.nowSec.Store(int32(ms / 1000)) }

func (s *filterSet) attach(db int, k Kind, in *instance) {
	s.mu.Lock()
	s.insts[filterKey{db, k}] = in
	s.mu.Unlock()
}

func (s *filterSet) detachAll() {
	s.mu.Lock()
	s.insts = map[filterKey]*instance{}
	s.mu.Unlock()
}

// forCF returns the compaction filter for column family cf of kind k, or
// nil. appliedCF is the index of pikaraft's own CF, which is never filtered.
// Filters are created before the instance is open; they find it through the
// set (as Pika's filters do through a pointer to the handle vector).
func (s *filterSet) forCF(db int, k Kind, cf, appliedCF int) grocksdb.CompactionFilter {
	if cf == appliedCF {
		return nil
	}
	switch {
	case k == KindStrings:
		return &stringsFilter{set: s}
	case k == KindStreams && cf == cfMeta:
		return nil
	case cf == cfMeta:
		return &metaFilter{set: s, kind: k}
	default:
		return &dataFilter{set: s, key: filterKey{db, k}}
	}
}

type stringsFilter struct{ set *filterSet }

func (f *stringsFilter) Name() string { return "StringsFilter" }

func (f *stringsFilter) Filter(_ int, _, val []byte) (bool, []byte) {
	_, ts, err := decodeStringValue(val)
	if err != nil {
		return false, nil
	}
	return isStale(ts, f.set.nowSec.Load()), nil
}

func (f *stringsFilter) SetIgnoreSnapshots(bool) {}
func (f *stringsFilter) Destroy()                {}

type metaFilter struct {
	set  *filterSet
	kind Kind
}

func (f *metaFilter) Name() string {
	if f.kind == KindLists {
		return "ListsMetaFilter"
	}
	return "BaseMetaFilter"
}

func (f *metaFilter) Filter(_ int, _, val []byte) (bool, []byte) {
	now := f.set.nowSec.Load()
	var count int64
	var version, ts int32
	if f.kind == KindLists {
		m, err := decodeListMeta(val)
		if err != nil {
			return false, nil
		}
		count, version, ts = int64(m.Count), m.Version, m.TS
	} else {
		m, err := decodeBaseMeta(val)
		if err != nil {
			return false, nil
		}
		count, version, ts = int64(m.Count), m.Version, m.TS
	}
	if ts != 0 && ts < now && version < now {
		return true, nil
	}
	return count == 0 && version < now, nil
}

func (f *metaFilter) SetIgnoreSnapshots(bool) {}
func (f *metaFilter) Destroy()                {}

// dataFilter drops data records (hash fields, set members, list elements,
// zset member and score records, stream entries) of dead collection versions.
type dataFilter struct {
	set *filterSet
	key filterKey
}

func (f *dataFilter) Name() string {
	switch f.key.kind {
	case KindLists:
		return "ListsDataFilter"
	case KindStreams:
		return "StreamsDataFilter"
	case KindZSets:
		return "ZSetsScoreFilter"
	}
	return "BaseDataFilter"
}

func (f *dataFilter) Filter(_ int, key, _ []byte) (bool, []byte) {
	dk, err := decodeDataKey(key)
	if err != nil {
		return false, nil
	}
	f.set.mu.RLock()
	defer f.set.mu.RUnlock()
	in := f.set.insts[f.key]
	if in == nil || in.db == nil {
		return false, nil // closing: keep everything
	}
	raw, err := in.get(in.ro, cfMeta, dk.Key)
	if err == ErrNotFound {
		return true, nil
	}
	if err != nil {
		return false, nil
	}
	var version, ts int32
	switch f.key.kind {
	case KindLists:
		m, err := decodeListMeta(raw)
		if err != nil {
			return false, nil
		}
		version, ts = m.Version, m.TS
	case KindStreams:
		m, err := decodeStreamMeta(raw)
		if err != nil {
			return false, nil
		}
		version = m.Version
	default:
		m, err := decodeBaseMeta(raw)
		if err != nil {
			return false, nil
		}
		version, ts = m.Version, m.TS
	}
	if isStale(ts, f.set.nowSec.Load()) {
		return true, nil
	}
	return version > dk.Version, nil
}

func (f *dataFilter) SetIgnoreSnapshots(bool) {}
func (f *dataFilter) Destroy()                {}
