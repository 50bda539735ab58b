package main

import "time"

// skewedClock returns the node's local clock shifted by offsetMs (the
// hidden test setting clock-offset-ms, used by jepsen-lite's clock
// nemesis), or nil for the system clock. Cluster time is
// max(leader clock, last applied time), so a skewed node must not change
// any outcome.
func skewedClock(offsetMs int64) func() int64 {
	if offsetMs == 0 {
		return nil
	}
	return func() int64 { return time.Now().UnixMilli() + offsetMs }
}
