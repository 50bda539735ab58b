package acl

import (
	"sync"
	"time"
)

// LogEntry is one ACL LOG entry: similar denials within a minute are
// counted in one entry, as in Redis.
type LogEntry struct {
	ID         int64
	Count      int64
	Reason     string // command, key, channel, auth
	Context    string // toplevel, multi
	Object     string
	Username   string
	ClientInfo string
	Created    time.Time
	Updated    time.Time
}

// logGroupWindow is how long a repeated denial joins the previous entry.
const logGroupWindow = 60 * time.Second

// Log is the node's ACL LOG (newest first, at most MaxLen entries).
type Log struct {
	mu      sync.Mutex
	entries []*LogEntry
	nextID  int64
	maxLen  int
}

// NewLog returns an empty log keeping maxLen entries (acllog-max-len).
func NewLog(maxLen int) *Log { return &Log{maxLen: maxLen} }

// SetMaxLen changes how many entries are kept.
func (l *Log) SetMaxLen(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maxLen = n
	l.trim()
}

// Add records a denial at time now.
func (l *Log) Add(now time.Time, reason, context, object, user, clientInfo string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, e := range l.entries {
		if e.Reason == reason && e.Context == context && e.Object == object &&
			e.Username == user && now.Sub(e.Updated) < logGroupWindow {
			e.Count++
			e.Updated = now
			e.ClientInfo = clientInfo
			// As Redis, the updated entry moves to the head.
			copy(l.entries[1:i+1], l.entries[:i])
			l.entries[0] = e
			return
		}
	}
	e := &LogEntry{ID: l.nextID, Count: 1, Reason: reason, Context: context, Object: object,
		Username: user, ClientInfo: clientInfo, Created: now, Updated: now}
	l.nextID++
	l.entries = append([]*LogEntry{e}, l.entries...)
	l.trim()
}

func (l *Log) trim() {
	if l.maxLen >= 0 && len(l.entries) > l.maxLen {
		l.entries = l.entries[:l.maxLen]
	}
}

// Entries returns copies of up to n newest entries (n < 0: all).
func (l *Log) Entries(n int) []LogEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n < 0 || n > len(l.entries) {
		n = len(l.entries)
	}
	out := make([]LogEntry, n)
	for i := range out {
		out[i] = *l.entries[i]
	}
	return out
}

// Reset empties the log.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = nil
}
