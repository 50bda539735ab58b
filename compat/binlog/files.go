package binlog

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// FileName returns the name of binlog file n: "write2file<n>", no padding.
func FileName(n uint32) string { return FilePrefix + strconv.FormatUint(uint64(n), 10) }

// DBDir returns the binlog directory of database db under logPath
// (`<log-path>/log_db<db>`).
func DBDir(logPath string, db int) string {
	return filepath.Join(logPath, "log_db"+strconv.Itoa(db))
}

// ListFiles returns the numbers of the binlog files in dir, ascending.
// Like StableLog::GetBinlogFiles, names are recognised by the prefix
// followed by a decimal number; anything else is ignored.
func ListFiles(dir string) ([]uint32, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("binlog: list %s: %w", dir, err)
	}
	var nums []uint32
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, FilePrefix) {
			continue
		}
		n, err := strconv.ParseUint(name[len(FilePrefix):], 10, 32)
		if err != nil {
			continue
		}
		nums = append(nums, uint32(n))
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	return nums, nil
}
