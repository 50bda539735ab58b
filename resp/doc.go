// Package resp is pikaraft's client protocol server: connections (fast
// reads on an event loop, everything else on a goroutine per connection:
// evloop.go), RESP2/RESP3, limits, dispatch through the command table in
// resp/command, and the connection and server commands. It reaches the
// cluster only through the Cluster interface, which package node implements.
package resp
