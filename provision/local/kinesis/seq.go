package kinesis

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A sequence number is 56 decimal digits:
//
//	"49" | stream creation time in ms (14) | shard index (6) | per-shard counter (34)
//
// so numbers are strictly increasing within a shard, name the shard they
// belong to, and differ between two streams that once had the same name.
// Counter 0 is a shard's StartingSequenceNumber; records start at 1.
const seqDigits = 56

func formatSeq(streamCreatedMs int64, shard int, counter uint64) string {
	return fmt.Sprintf("49%014d%06d%034d", streamCreatedMs, shard, counter)
}

// shardEndCounter is the counter of a closed shard's EndingSequenceNumber:
// as on AWS, the largest sequence number the shard could have had, which
// no record reaches ("SequenceNumber has reached max possible value for
// the shard"), not its last record's. A reader tells a shard's end by
// GetRecords' missing NextShardIterator, not by comparing with it.
const shardEndCounter = math.MaxInt64

// appendSeq is formatSeq without allocations, for the hot paths.
func appendSeq(dst []byte, streamCreatedMs int64, shard int, counter uint64) []byte {
	dst = append(dst, '4', '9')
	dst = appendPadded(dst, uint64(streamCreatedMs), 14)
	dst = appendPadded(dst, uint64(shard), 6)
	return appendPadded(dst, counter, 34)
}

// zeroDigits pads sequence numbers' parts, the widest of which is 34.
const zeroDigits = "0000000000000000000000000000000000000000"

func appendPadded(dst []byte, v uint64, width int) []byte {
	var buf [20]byte // the digits of the largest uint64
	i := len(buf)
	for v > 0 {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	if pad := width - (len(buf) - i); pad > 0 {
		dst = append(dst, zeroDigits[:pad]...)
	}
	return append(dst, buf[i:]...)
}

type seqNum struct {
	streamCreatedMs int64
	shard           int
	counter         uint64
}

func parseSeq(s string) (seqNum, bool) {
	if len(s) != seqDigits || s[0] != '4' || s[1] != '9' {
		return seqNum{}, false
	}
	created, err1 := strconv.ParseInt(s[2:16], 10, 64)
	shard, err2 := strconv.Atoi(s[16:22])
	counter, err3 := strconv.ParseUint(s[22:], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return seqNum{}, false
	}
	return seqNum{created, shard, counter}, true
}

func shardName(i int) string { return fmt.Sprintf("shardId-%012d", i) }

// parseShardID resolves a shard id as Kinesis does: it reads the digits
// after the last '-' (or the whole text when there is none), so "1",
// "shardId-1", "anything-1" and "shardId-000000000001" all name shard 1.
// Anything else, or a number beyond Java's int, names no shard.
func parseShardID(s string) (int, bool) {
	digits := s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		digits = s[i+1:]
	}
	if digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}
