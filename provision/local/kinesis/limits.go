package kinesis

import (
	"time"

	"golang.org/x/time/rate"
)

// AWS's per-shard limits.
const (
	writeRecordsPerSec = 1000
	writeBytesPerSec   = 1 << 20
	readCallsPerSec    = 5
	readBytesPerSec    = 2 << 20
)

// shardLimits are token buckets for one shard's AWS throughput limits.
type shardLimits struct {
	writeRecords, writeBytes *rate.Limiter
	readCalls                *rate.Limiter
	// readPaid is when the bytes read so far are paid off at 2 MiB/s; no
	// read is served before. AWS: after a read of 10 MiB, "subsequent calls
	// made within the next 5 seconds throw", and within the next second
	// when a read finds too little throughput left.
	readPaid time.Time
}

// limiter returns the shard's limits, creating them on first use; the
// caller holds the stream's mutex.
func (sh *shardMeta) limiter() *shardLimits {
	if sh.limits == nil {
		sh.limits = &shardLimits{
			writeRecords: rate.NewLimiter(writeRecordsPerSec, writeRecordsPerSec),
			writeBytes:   rate.NewLimiter(writeBytesPerSec, writeBytesPerSec),
			readCalls:    rate.NewLimiter(readCallsPerSec, readCallsPerSec),
		}
	}
	return sh.limits
}

func (l *shardLimits) allowWrite(now time.Time, size int) bool {
	// A record over 1 MiB (a stream's MaxRecordSizeInKiB allows up to 10
	// MiB) is admitted when the shard has a full second of write capacity,
	// and uses it all.
	size = min(size, writeBytesPerSec)
	if l.writeBytes.TokensAt(now) < float64(size) {
		return false
	}
	if !l.writeRecords.AllowN(now, 1) {
		return false
	}
	return l.writeBytes.AllowN(now, size)
}

// allowRead admits a GetRecords call unless the shard made too many calls
// or is still paying off the bytes read before.
func (l *shardLimits) allowRead(now time.Time) bool {
	if now.Before(l.readPaid) {
		return false
	}
	return l.readCalls.AllowN(now, 1)
}

// chargeRead adds a read's bytes to what the shard pays off.
func (l *shardLimits) chargeRead(now time.Time, bytes int) {
	from := l.readPaid
	if from.Before(now) {
		from = now
	}
	l.readPaid = from.Add(time.Duration(bytes) * time.Second / readBytesPerSec)
}
