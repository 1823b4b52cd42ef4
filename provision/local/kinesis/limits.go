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
	readCalls, readBytes     *rate.Limiter
}

// limiter returns the shard's limits, creating them on first use; the
// caller holds the stream's mutex.
func (sh *shardMeta) limiter() *shardLimits {
	if sh.limits == nil {
		sh.limits = &shardLimits{
			writeRecords: rate.NewLimiter(writeRecordsPerSec, writeRecordsPerSec),
			writeBytes:   rate.NewLimiter(writeBytesPerSec, writeBytesPerSec),
			readCalls:    rate.NewLimiter(readCallsPerSec, readCallsPerSec),
			// A read may return up to 10 MiB; later reads then wait it off.
			readBytes: rate.NewLimiter(readBytesPerSec, maxGetRecordsBytes),
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
// or is still paying off bytes read before.
func (l *shardLimits) allowRead(now time.Time) bool {
	if l.readBytes.TokensAt(now) < 0 {
		return false
	}
	return l.readCalls.AllowN(now, 1)
}

func (l *shardLimits) chargeRead(now time.Time, bytes int) {
	l.readBytes.ReserveN(now, min(bytes, maxGetRecordsBytes))
}
