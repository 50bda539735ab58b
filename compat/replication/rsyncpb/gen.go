// Package rsyncpb holds the generated Go types of Pika 3.5.5's full-sync
// file transfer messages (RsyncService.RsyncRequest / RsyncResponse),
// spoken on port P+10001.
package rsyncpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative rsync.proto
