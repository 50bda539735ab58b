package node

import (
	"errors"

	"github.com/pikaraft/pikaraft/compat/info"
)

// ErrNoBinlog is returned by PurgeLogsTo when the node writes no binlog
// (write-binlog no).
var ErrNoBinlog = errors.New("the binlog is off (write-binlog no)")

// purger is the part of the binlog observer PURGELOGSTO uses.
type purger interface {
	PurgeLogsTo(db int, filenum uint32) ([]uint32, error)
}

// BinlogOffsets reports the binlog producer positions for INFO (nil when
// the node writes no binlog).
func (n *Node) BinlogOffsets() []info.BinlogOffset {
	if b, ok := n.cfg.Observer.(info.BinlogSource); ok {
		return b.BinlogOffsets()
	}
	return nil
}

// PurgeLogsTo purges database db's binlog files up to write2file<filenum>
// on this node (PURGELOGSTO; each node purges its own binlog).
func (n *Node) PurgeLogsTo(db int, filenum uint32) ([]uint32, error) {
	if p, ok := n.cfg.Observer.(purger); ok {
		return p.PurgeLogsTo(db, filenum)
	}
	return nil, ErrNoBinlog
}
