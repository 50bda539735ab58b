// Package innerpb holds the generated Go types of Pika 3.5.5's replication
// messages (InnerMessage.InnerRequest / InnerResponse), spoken on port P+2000.
package innerpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative inner.proto
