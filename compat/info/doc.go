// Package info renders Pika 3.5.5's INFO reply (spec pika-replication.md
// §3) from the live state of a pikaraft server: the RESP server's
// counters, the storage engine's RocksDB properties, the Raft node and the
// binlog. Sections, line order and value formats are Pika's, so Pika
// dashboards, scripts and pika_exporter read a pikaraft node like a Pika
// one; a "# Raft" section of pikaraft's own comes last.
package info
