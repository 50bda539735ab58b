package engine

// ExpiryDeadline returns the earliest expiry time (Unix seconds, as Pika
// stores it) of key among the types in which it is live at nowMs, or 0 when
// it is live in none of them with a TTL. A transaction that WATCHes a key
// aborts when this deadline has passed by the time it executes (Redis 7
// counts the expiry of a watched key as a modification).
func (d *DB) ExpiryDeadline(key []byte, nowMs int64) (int32, error) {
	now := ksSec(nowMs)
	var earliest int32
	for _, k := range ksTTLKinds {
		var st ksState
		err := d.withReader(k, false, func(r *reader) error {
			var err error
			st, err = ksGet(k, r.get, key, now)
			return err
		})
		if err != nil {
			return 0, err
		}
		if st.live && st.ts != 0 && (earliest == 0 || st.ts < earliest) {
			earliest = st.ts
		}
	}
	return earliest, nil
}

// DeadlinePassed reports whether a key with expiry deadline ts (Unix
// seconds, 0 = none) is expired at nowMs, by the rule every read uses.
func DeadlinePassed(ts int32, nowMs int64) bool { return isStale(ts, ksSec(nowMs)) }
