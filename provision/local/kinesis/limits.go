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
	// readBytes holds a second of read credit (2 MiB) and goes into debt
	// for a larger read: reads are served while credit is left, so small
	// reads in quick succession pass as on AWS, and after a read of 10 MiB
	// none is for about 4 s (AWS: "subsequent calls made within the next 5
	// seconds throw"); a rested shard no longer serves 20 MiB back to back.
	readBytes *rate.Limiter
}

// limiter returns the shard's limits, creating them on first use; the
// caller holds the stream's mutex.
func (sh *shardMeta) limiter() *shardLimits {
	if sh.limits == nil {
		sh.limits = &shardLimits{
			writeRecords: rate.NewLimiter(writeRecordsPerSec, writeRecordsPerSec),
			writeBytes:   rate.NewLimiter(writeBytesPerSec, writeBytesPerSec),
			readCalls:    rate.NewLimiter(readCallsPerSec, readCallsPerSec),
			readBytes:    rate.NewLimiter(readBytesPerSec, readBytesPerSec),
		}
	}
	return sh.limits
}

func (l *shardLimits) allowWrite(now time.Time, size int) bool {
	// A record over 1 MiB (a stream's MaxRecordSizeInKiB allows up to 10
	// MiB) is admitted when the shard has a full second of write capacity,
	// and its whole size is taken, into debt, as reads are: the shard
	// "can burst up to 10 MiBs while averaging 1 MiB per second" (AWS's
	// large-records guide), where charging a second's worth let it take
	// 8 MiB every second.
	if l.writeBytes.TokensAt(now) < float64(min(size, writeBytesPerSec)) {
		return false
	}
	if !l.writeRecords.AllowN(now, 1) {
		return false
	}
	for size > 0 {
		piece := min(size, writeBytesPerSec)
		l.writeBytes.ReserveN(now, piece)
		size -= piece
	}
	return true
}

// allowRead admits a GetRecords call unless the shard made too many calls
// or has no read credit left.
func (l *shardLimits) allowRead(now time.Time) bool {
	if l.readBytes.TokensAt(now) <= 0 {
		return false
	}
	return l.readCalls.AllowN(now, 1)
}

// chargeRead takes a read's bytes from the credit, into debt if need be:
// in pieces of at most the bucket's size, all that ReserveN takes at once.
func (l *shardLimits) chargeRead(now time.Time, bytes int) {
	for bytes > 0 {
		piece := min(bytes, readBytesPerSec)
		l.readBytes.ReserveN(now, piece)
		bytes -= piece
	}
}
