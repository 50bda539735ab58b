package cluster

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Do sends one command to node i with a timeout and returns the reply.
func (c *Cluster) Do(ctx context.Context, i int, timeout time.Duration, args ...interface{}) (interface{}, error) {
	cl := c.Nodes[i].Client(timeout)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	v, err := cl.Do(ctx, args...).Result()
	if err != nil {
		return nil, fmt.Errorf("%s %v: %w", c.Nodes[i].ID, args, err)
	}
	return v, nil
}

// Role returns node i's ROLE ("master" on the leader, "slave" on a
// follower), or "" when it does not answer within a second.
func (c *Cluster) Role(ctx context.Context, i int) string {
	n := c.Nodes[i]
	if !n.Running() || n.Paused() {
		return ""
	}
	v, err := c.Do(ctx, i, time.Second, "role")
	if err != nil {
		return ""
	}
	if r, ok := v.([]interface{}); ok && len(r) > 0 {
		s, _ := r[0].(string)
		return s
	}
	return ""
}

// Leader returns the index of a running, unpaused node whose ROLE is
// master, or -1. When several claim it (a deposed leader not yet aware),
// the first is returned.
func (c *Cluster) Leader(ctx context.Context) int {
	for i := range c.Nodes {
		if c.Role(ctx, i) == "master" {
			return i
		}
	}
	return -1
}

// WaitWritable waits until node i acknowledges a write of the probe key
// (forwarded to the leader when it is a follower).
func (c *Cluster) WaitWritable(ctx context.Context, i int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if _, err = c.Do(ctx, i, 3*time.Second, "set", "jepsen:probe", c.Nodes[i].ID); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s accepts no writes after %s: %w", c.Nodes[i].ID, timeout, err)
}

// WaitHealthy waits until every node in want accepts writes.
func (c *Cluster) WaitHealthy(ctx context.Context, want []int, timeout time.Duration) error {
	for _, i := range want {
		if err := c.WaitWritable(ctx, i, timeout); err != nil {
			return err
		}
	}
	return nil
}

// Status is the part of RAFT STATUS jepsen-lite uses.
type Status struct {
	ID           string
	State        string
	LeaderID     string
	AppliedIndex int64
	CommitIndex  int64
	// Voters are the IDs of the configuration's voters.
	Voters []string
}

// RaftStatus runs RAFT STATUS on node i.
func (c *Cluster) RaftStatus(ctx context.Context, i int) (Status, error) {
	v, err := c.Do(ctx, i, 3*time.Second, "raft", "status")
	if err != nil {
		return Status{}, err
	}
	m := pairs(v)
	st := Status{ID: str(m["id"]), State: str(m["state"]), LeaderID: str(m["leader_id"]),
		AppliedIndex: num(m["applied_index"]), CommitIndex: num(m["commit_index"])}
	if servers, ok := m["servers"].([]interface{}); ok {
		for _, s := range servers {
			sm := pairs(s)
			if str(sm["suffrage"]) == "voter" {
				st.Voters = append(st.Voters, str(sm["id"]))
			}
		}
	}
	return st, nil
}

// Checksum runs RAFT CHECKSUM on node i: the applied index and the
// SHA-256 of every record after a full compaction.
func (c *Cluster) Checksum(ctx context.Context, i int) (int64, string, error) {
	v, err := c.Do(ctx, i, 60*time.Second, "raft", "checksum")
	if err != nil {
		return 0, "", err
	}
	r, ok := v.([]interface{})
	if !ok || len(r) != 2 {
		return 0, "", fmt.Errorf("%s: RAFT CHECKSUM replied %v", c.Nodes[i].ID, v)
	}
	return num(r[0]), str(r[1]), nil
}

// pairs turns a RESP2 flat key/value array (or a RESP3 map) into a map.
func pairs(v interface{}) map[string]interface{} {
	m := map[string]interface{}{}
	switch t := v.(type) {
	case []interface{}:
		for i := 0; i+1 < len(t); i += 2 {
			m[strings.ToLower(str(t[i]))] = t[i+1]
		}
	case map[interface{}]interface{}:
		for k, val := range t {
			m[strings.ToLower(str(k))] = val
		}
	}
	return m
}

func str(v interface{}) string {
	switch t := v.(type) {
	case string:
		return t
	case []byte:
		return string(t)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func num(v interface{}) int64 {
	switch t := v.(type) {
	case int64:
		return t
	case string:
		var n int64
		fmt.Sscan(t, &n)
		return n
	}
	return 0
}
