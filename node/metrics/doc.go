// Package metrics serves a node's native Prometheus endpoint (client port
// + 5000): /metrics with command counts and latency histograms, Raft
// state, RocksDB properties and the server's INFO counters, and /health for
// load balancers and Kubernetes probes. It reads the same sources as INFO
// (compat/info), so both always agree.
package metrics
