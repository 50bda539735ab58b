package info

import "sync/atomic"

// ClassicReplica is a classic Pika replica attached to this node through
// Pika's replication protocol (compat/replication).
type ClassicReplica struct {
	IP     string
	Port   int
	ConnFD int64
	// Lags are the per-database lags in bytes, in database order; a
	// database the replica does not sync is absent.
	Lags []ClassicLag
}

// ClassicLag is one database's lag of a classic replica.
type ClassicLag struct {
	DB  int
	Lag uint64
}

// ClassicSource lists the classic replicas attached to this node.
type ClassicSource interface {
	ClassicReplicas() []ClassicReplica
}

// classicHolder lets the replication server, started after INFO exists,
// register itself.
type classicHolder struct{ src atomic.Pointer[ClassicSource] }

// SetClassic registers the source of classic replicas (nil removes it).
func (in *Info) SetClassic(src ClassicSource) {
	if src == nil {
		in.classic.src.Store(nil)
		return
	}
	in.classic.src.Store(&src)
}

// classicReplicas returns the attached classic replicas.
func (in *Info) classicReplicas() []ClassicReplica {
	p := in.classic.src.Load()
	if p == nil {
		return nil
	}
	return (*p).ClassicReplicas()
}
