package runner

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// quiet drops go-redis's internal log lines (dial failures while a node
// is down are expected and recorded in the history instead).
type quiet struct{}

func (quiet) Printf(context.Context, string, ...interface{}) {}

func init() { redis.SetLogger(quiet{}) }
