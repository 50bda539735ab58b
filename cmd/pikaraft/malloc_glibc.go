//go:build linux && cgo

package main

/*
#include <malloc.h>
*/
import "C"

import (
	"os"
	"strconv"
)

// defaultMallocArenas is the number of glibc malloc arenas RocksDB's
// allocations are spread over unless MALLOC_ARENA_MAX says otherwise.
// glibc's default (8 per core) keeps freed memtable and block-cache memory
// in many arenas: bench/memory.sh measured 20-40 MB more RSS with it.
const defaultMallocArenas = 2

// limitMallocArenas applies defaultMallocArenas when the environment does
// not set MALLOC_ARENA_MAX (glibc reads that itself), and returns the limit
// in force ("" for glibc's default).
func limitMallocArenas() string {
	if v, ok := os.LookupEnv("MALLOC_ARENA_MAX"); ok {
		return v
	}
	if C.mallopt(C.M_ARENA_MAX, C.int(defaultMallocArenas)) != 1 {
		return ""
	}
	return strconv.Itoa(defaultMallocArenas)
}
