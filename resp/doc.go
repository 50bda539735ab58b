// Package resp is pikaraft's client protocol server: connections (on
// tidwall/redcon), RESP2/RESP3, limits, dispatch through the command table
// in resp/command, and the connection and server commands. It reaches the
// cluster only through the Cluster interface, which package node implements.
package resp
