package replication

import (
	"net"
	"sort"
	"strconv"

	"github.com/pikaraft/pikaraft/compat/info"
)

// ReplicaDB is one database of an attached classic replica.
type ReplicaDB struct {
	DB int
	// Streaming is true in binlog sync, false during a full sync.
	Streaming bool
	// Lag is Pika's INFO lag in bytes: how far the sent position is
	// behind the producer, counting binlog-file-size per file.
	Lag uint64
}

// Replica is an attached classic replica, for INFO replication.
type Replica struct {
	IP     string
	Port   int
	ConnFD int64
	DBs    []ReplicaDB
}

// Replicas lists the attached classic replicas, ordered by address.
func (s *Server) Replicas() []Replica {
	type entry struct {
		key string
		r   Replica
		ls  map[int]*link
	}
	var es []entry
	s.mu.Lock()
	for key, sl := range s.slaves {
		ls := map[int]*link{}
		for db, l := range sl.links {
			ls[db] = l
		}
		es = append(es, entry{key, Replica{IP: sl.ip, Port: sl.port, ConnFD: sl.conn.id}, ls})
	}
	s.mu.Unlock()
	sort.Slice(es, func(i, j int) bool { return es[i].key < es[j].key })
	fileSize := s.cfg.fileSize()
	out := make([]Replica, 0, len(es))
	for _, e := range es {
		for db := 0; db < s.cfg.Databases; db++ {
			l := e.ls[db]
			if l == nil {
				continue
			}
			state, sent := l.status()
			prod := s.producer(db)
			rd := ReplicaDB{DB: db, Streaming: state == stateBinlogSync}
			if rd.Streaming && sent.Less(prod) {
				rd.Lag = uint64(prod.Filenum-sent.Filenum)*fileSize + prod.Offset - sent.Offset
			} else if !rd.Streaming {
				rd.Lag = uint64(prod.Filenum)*fileSize + prod.Offset
			}
			e.r.DBs = append(e.r.DBs, rd)
		}
		out = append(out, e.r)
	}
	return out
}

// Addr returns "ip:port" of the replica.
func (r Replica) Addr() string { return net.JoinHostPort(r.IP, strconv.Itoa(r.Port)) }

// ClassicReplicas implements info.ClassicSource (INFO replication lists
// the attached classic replicas as slaves).
func (s *Server) ClassicReplicas() []info.ClassicReplica {
	var out []info.ClassicReplica
	for _, r := range s.Replicas() {
		c := info.ClassicReplica{IP: r.IP, Port: r.Port, ConnFD: r.ConnFD}
		for _, d := range r.DBs {
			c.Lags = append(c.Lags, info.ClassicLag{DB: d.DB, Lag: d.Lag})
		}
		out = append(out, c)
	}
	return out
}
