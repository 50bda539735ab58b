package engine

import "errors"

// Errors returned by engine operations. Their text is the Redis/Pika error
// reply without the leading '-', so a server can send err.Error() as is.
var (
	// ErrNotFound means the key (or field/member/element) does not exist, is
	// empty or has expired. Read operations usually turn it into a nil reply.
	ErrNotFound = errors.New("not found")
	// ErrNotInteger is returned when a value or argument is not a 64-bit integer.
	ErrNotInteger = errors.New("ERR value is not an integer or out of range")
	// ErrNotFloat is returned when a value or argument is not a valid float.
	ErrNotFloat = errors.New("ERR value is not a valid float")
	// ErrOverflow is returned when an increment would overflow a 64-bit integer.
	ErrOverflow = errors.New("ERR increment or decrement would overflow")
	// ErrIncrNaNOrInf is returned when INCRBYFLOAT would produce NaN or Infinity.
	ErrIncrNaNOrInf = errors.New("ERR increment would produce NaN or Infinity")
	// ErrNoSuchKey is returned by commands that need an existing key (LSET, RENAME).
	ErrNoSuchKey = errors.New("ERR no such key")
	// ErrIndexOutOfRange is returned by LSET with an index outside the list.
	ErrIndexOutOfRange = errors.New("ERR index out of range")
	// ErrStringTooLong is returned when a string would exceed 512 MB.
	ErrStringTooLong = errors.New("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
	// ErrBitOffset is returned when a bit offset is out of range.
	ErrBitOffset = errors.New("ERR bit offset is not an integer or out of range")
	// ErrInvalidExpire is returned when a TTL is out of the int32-seconds range Pika stores.
	ErrInvalidExpire = errors.New("ERR invalid expire time")
	// ErrCorrupt is wrapped by errors about records that cannot be decoded
	// (wrong length, bad type byte). Such a record is reported, never panicked on.
	ErrCorrupt = errors.New("ERR corrupt record")
	// ErrInvalidDB is returned for a database index outside 0..databases-1.
	ErrInvalidDB = errors.New("ERR DB index is out of range")
	// ErrOffsetRange is returned by SETRANGE with a negative offset.
	ErrOffsetRange = errors.New("ERR offset is out of range")
	// ErrNotHLL is returned when a HyperLogLog command finds a string that
	// is not a register array in Pika's format.
	ErrNotHLL = errors.New("WRONGTYPE Key is not a valid HyperLogLog string value.")
	// ErrBitOpNot is returned by BITOP NOT with more than one source key.
	ErrBitOpNot = errors.New("ERR BITOP NOT must be called with a single source key.")
	// ErrSizeOverflow is returned when a collection would exceed the int32
	// element count Pika stores in its meta value.
	ErrSizeOverflow = errors.New("ERR collection size overflow")
	// ErrHashNotInteger is returned by HINCRBY when the field holds a non-integer.
	ErrHashNotInteger = errors.New("ERR hash value is not an integer")
	// ErrHashNotFloat is returned by HINCRBYFLOAT when the field holds a non-float.
	ErrHashNotFloat = errors.New("ERR hash value is not a float")
	// ErrClosed is returned after the engine has been closed.
	ErrClosed = errors.New("ERR engine is closed")
	// ErrZAddXXNX is returned by ZADD with both XX and NX.
	ErrZAddXXNX = errors.New("ERR XX and NX options at the same time are not compatible")
	// ErrZAddGTLTNX is returned by ZADD with GT and LT, or either with NX.
	ErrZAddGTLTNX = errors.New("ERR GT, LT, and/or NX options at the same time are not compatible")
	// ErrZAddIncrPair is returned by ZADD INCR with more than one pair.
	ErrZAddIncrPair = errors.New("ERR INCR option supports a single increment-element pair")
	// ErrScoreNaN is returned when a zset increment would make a score NaN.
	ErrScoreNaN = errors.New("ERR resulting score is not a number (NaN)")
	// ErrZSetOverflow is returned when a zset would exceed Pika's int32 member count.
	ErrZSetOverflow = errors.New("ERR zset size overflow")
	// ErrStreamIDTooSmall is returned by XADD with an ID not above the stream's last ID.
	ErrStreamIDTooSmall = errors.New("ERR The ID specified in XADD is equal or smaller than the target stream top item")
	// ErrStreamIDZero is returned by XADD with the explicit ID 0-0.
	ErrStreamIDZero = errors.New("ERR The ID specified in XADD must be greater than 0-0")
	// ErrStreamExhausted is returned by XADD when the last ID is the largest possible one.
	ErrStreamExhausted = errors.New("ERR The stream has exhausted the last possible ID, unable to add more items")
)
