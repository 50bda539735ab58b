package main

import (
	"net"

	"github.com/pikaraft/pikaraft/node"
	"github.com/pikaraft/pikaraft/resp"
)

// publishLeaderChanges makes the node announce every leader change it
// observes to its local pub/sub subscribers the way Redis Sentinel does:
// "+switch-master <name> <old-ip> <old-port> <new-ip> <new-port>" on the
// +switch-master channel (go-redis FailoverClient, redis-py and Jedis
// subscribe to it on their sentinel connection). The first leader a node
// sees after starting has no predecessor; the old address is then the
// new one.
func publishLeaderChanges(n *node.Node, srv *resp.Server, name string) {
	n.OnLeaderChange(func(old, cur resp.NodeStatus) {
		newHost, newPort, err := net.SplitHostPort(cur.ClientAddr)
		if err != nil {
			return // the new leader's client address is not known
		}
		oldHost, oldPort, err := net.SplitHostPort(old.ClientAddr)
		if err != nil {
			oldHost, oldPort = newHost, newPort
		}
		srv.Publish("+switch-master", []byte(name+" "+oldHost+" "+oldPort+" "+newHost+" "+newPort))
	})
}
