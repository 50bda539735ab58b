package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"sync/atomic"

	"github.com/pikaraft/pikaraft/node"
)

// pprofEnv names the environment variable that, set to host:port, serves
// Go's /debug/pprof/ endpoints there, and /debug/raftlog: Raft log appends
// (fsyncs), the entries they stored and the time spent in them, and
// /debug/readindex: linearizable reads and the ReadIndex rounds that served them. Unset, nothing listens.
const pprofEnv = "PIKARAFT_PPROF"

// readIndexNode is the running node whose ReadIndex batching counters
// /debug/readindex shows (set once the node is open).
var readIndexNode atomic.Pointer[node.Node]

// startPprof serves /debug/pprof/ on $PIKARAFT_PPROF when it is set.
func startPprof(log *slog.Logger) {
	addr := os.Getenv(pprofEnv)
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/raftlog", func(w http.ResponseWriter, _ *http.Request) {
		appends, entries, spent := node.LogAppendStats()
		fmt.Fprintf(w, "appends %d\nentries %d\nspent_ms %d\n", appends, entries, spent.Milliseconds())
	})
	mux.HandleFunc("/debug/readindex", func(w http.ResponseWriter, _ *http.Request) {
		if n := readIndexNode.Load(); n != nil {
			s := n.ReadIndexStats()
			fmt.Fprintf(w, "leader_reads %d\nleader_rounds %d\nleader_checked %d\nfollower_reads %d\nfollower_rounds %d\n",
				s.LeaderReads, s.LeaderRounds, s.LeaderChecked, s.FollowerReads, s.FollowerRounds)
		}
	})
	go func() {
		log.Info("pprof listening", "addr", addr)
		if err := http.ListenAndServe(addr, mux); err != nil {
			log.Error("pprof server stopped", "addr", addr, "error", err)
		}
	}()
}
