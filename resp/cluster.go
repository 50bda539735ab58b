package resp

import (
	"context"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// Cluster is all the RESP server needs from the node it runs in.
type Cluster interface {
	// Write proposes cmds (one command, or the commands of a MULTI/EXEC
	// block, applied atomically as one log entry) against database db and
	// returns one reply per command, as the FSM produced them. An error
	// means the outcome is unknown or the write was refused before it was
	// proposed; its text is a Redis error ("TRYAGAIN ...", "ERR ...").
	Write(ctx context.Context, db int, cmds [][][]byte) ([]command.Reply, error)
	// Exec proposes the commands of a MULTI/EXEC block whose connection
	// WATCHed keys, as one log entry: it runs only if none of watches was
	// modified or expired since (checked when the entry is applied), and
	// the reply is EXEC's (an array, or a nil array when it aborted).
	Exec(ctx context.Context, db int, cmds [][][]byte, watches []command.WatchedKey) (command.Reply, error)
	// ReadTime waits until this node may serve a read at the connection's
	// consistency and returns the cluster time (Unix ms) that decides expiry.
	ReadTime(ctx context.Context, stale bool) (int64, error)
	// Engine is the node's storage engine, for facts that survive a
	// snapshot install (NumDBs). Data access goes through AcquireEngine.
	Engine() *engine.Engine
	// AcquireEngine returns the storage engine for running handlers and
	// the function that releases it; a snapshot install that replaces the
	// engine waits until every holder released it. Call it after ReadTime
	// and release it promptly.
	AcquireEngine() (*engine.Engine, func())
}

// ConfigStore is the server configuration as CONFIG GET/SET/REWRITE see it.
type ConfigStore interface {
	// Get returns name/value pairs of every parameter matching the glob pattern.
	Get(pattern string) [][2]string
	// Set changes one parameter at run time; the error text is a Redis error.
	Set(name, value string) error
	// Rewrite writes the current configuration back to the config file.
	Rewrite() error
}
