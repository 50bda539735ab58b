// Package replication is the master side of Pika 3.5.5's replication
// protocol, so that unmodified classic Pika replicas can `SLAVEOF` a
// pikaraft node (spec/pika-replication.md §2):
//
//   - port P+2000: MetaSync (masterauth check, run_id, replication id,
//     db list), TrySync (continue from a binlog position still on disk or
//     ask for a full sync), DBSync, BinlogSync streaming from the binlog
//     files with the replica's acks, keepalives and timeouts,
//     RemoveSlaveNode;
//   - port P+10001: the file transfer of a full sync (Pika 3.5's "rsync"
//     replacement), serving a dump in Pika's layout.
//
// Every node writes the same binlog bytes, so any node (leader or
// follower) can serve classic replicas, and a replica can move between
// nodes at the same offset. Subpackage replica is the replica side.
package replication
