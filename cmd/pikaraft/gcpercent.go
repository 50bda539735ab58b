package main

import (
	"os"
	"runtime/debug"
	"strconv"
)

// defaultGCPercent is the Go GC target (GOGC) unless the environment sets
// GOGC. The server's live Go heap is small (2–5 MB under write load: RocksDB
// keeps the data in C memory), so with Go's default of 100 the heap goal
// sits at Go's 4 MB floor and a node collected about twice a second at 3k
// SET/s on a three-node cluster. Each collection stops the world twice; on
// a busy machine a stop took 15–124 ms (a thread waiting for a core), and a
// write waits for every node it needs. 400 cut the collections per 40k SETs
// from 96 to 15 (three nodes) for a heap goal of a few tens of MB.
const defaultGCPercent = 400

// setGCPercent applies defaultGCPercent unless GOGC is set (the runtime
// reads it itself) and returns the GOGC value in force.
func setGCPercent() string {
	if v, ok := os.LookupEnv("GOGC"); ok {
		return v
	}
	debug.SetGCPercent(defaultGCPercent)
	return strconv.Itoa(defaultGCPercent)
}
