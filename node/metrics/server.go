package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pikaraft/pikaraft/compat/info"
)

// PortOffset is the distance from the client port to the metrics port.
const PortOffset = 5000

// Handler returns the /metrics and /health handler for a node whose INFO
// sources are in. healthy decides /health; nil uses Healthy(in).
func Handler(in *info.Info, healthy func() (bool, string)) http.Handler {
	if healthy == nil {
		healthy = func() (bool, string) { return Healthy(in) }
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(&collector{in: in, health: healthy},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ok, why := healthy()
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, why)
			return
		}
		fmt.Fprintln(w, "OK")
	})
	return mux
}

// Healthy reports whether the node serves: its engine is open and, in a
// Raft cluster, it is the leader or a follower that knows its leader.
func Healthy(in *info.Info) (bool, string) {
	src := in.Sources()
	if src.Engine == nil || src.Engine() == nil {
		return false, "engine not open"
	}
	if _, err := src.Engine().DB(0); err != nil {
		return false, "engine: " + err.Error()
	}
	if src.Raft == nil {
		return true, ""
	}
	st := src.Raft.RaftStatus()
	switch {
	case st.State == "leader":
		return true, ""
	case st.State == "follower" && st.LeaderID != "":
		return true, ""
	}
	return false, "raft " + st.State + ", no known leader"
}

// Server is the running HTTP endpoint.
type Server struct {
	hs *http.Server
	ln net.Listener
}

// Listen serves Handler(in, nil) on addr in the background.
func Listen(addr string, in *info.Info, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.Default()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen %s: %w", addr, err)
	}
	s := &Server{ln: ln, hs: &http.Server{Handler: Handler(in, nil), ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics endpoint stopped", "error", err)
		}
	}()
	return s, nil
}

// Addr returns the listening address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the endpoint, waiting up to 2 s for in-flight scrapes.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.hs.Shutdown(ctx); err != nil {
		return fmt.Errorf("metrics: close: %w", err)
	}
	return nil
}

// Start serves the endpoint on addr for a running node. A port that cannot
// be bound is logged and the node runs without metrics; the returned
// function stops the endpoint (a no-op then).
func Start(addr string, in *info.Info, log *slog.Logger) (stop func() error) {
	if log == nil {
		log = slog.Default()
	}
	s, err := Listen(addr, in, log)
	if err != nil {
		log.Warn("metrics endpoint disabled", "error", err)
		return func() error { return nil }
	}
	log.Info("metrics endpoint ready", "addr", s.Addr().String())
	return s.Close
}
