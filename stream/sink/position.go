// Package sink writes counts to the aggregate table exactly once. Each row
// keeps, per shard, a watermark: the position of the last record of that shard
// counted in the row. A write adds a batch's count only if the watermark is
// below the batch's first record for the row, in the same conditional
// UpdateItem, so replays, restarts and two workers briefly reading the same
// shard never count a record twice and need no transactions.
package sink

import (
	"fmt"
	"strconv"
	"strings"
)

// Position is where a record sits in its shard: the Kinesis sequence number
// and, for a record unpacked from a KPL aggregate, its index inside it.
type Position struct {
	Seq string // decimal, no leading zeros
	Sub int64
}

// Compare orders positions numerically: -1, 0 or +1.
func (p Position) Compare(q Position) int {
	// Sequence numbers are decimal strings without leading zeros, so a longer
	// one is larger and equal lengths compare as text.
	switch {
	case len(p.Seq) != len(q.Seq):
		return cmp(len(p.Seq), len(q.Seq))
	case p.Seq != q.Seq:
		return strings.Compare(p.Seq, q.Seq)
	}
	return cmp(p.Sub, q.Sub)
}

func cmp[T int | int64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// IsZero reports whether p is unset.
func (p Position) IsZero() bool { return p.Seq == "" }

func (p Position) String() string {
	if p.Sub == 0 {
		return p.Seq
	}
	return p.Seq + "/" + strconv.FormatInt(p.Sub, 10)
}

// Encode writes p so that DynamoDB's byte-wise string order is numeric order:
// each number is prefixed by its digit count, which puts shorter (smaller)
// numbers first whatever their digits. "123" sub 4 is "003123.014".
// Sequence numbers have at most 129 digits and sub-sequence numbers at most
// 19, so the fixed-width prefixes (3 and 2 digits) always suffice.
func (p Position) Encode() string {
	sub := strconv.FormatInt(p.Sub, 10)
	return fmt.Sprintf("%03d%s.%02d%s", len(p.Seq), p.Seq, len(sub), sub)
}

// ParsePosition reads an encoded position.
func ParsePosition(s string) (Position, error) {
	bad := fmt.Errorf("watermark %q is not an encoded position", s)
	if len(s) < 3 {
		return Position{}, bad
	}
	n, err := strconv.Atoi(s[:3])
	if err != nil || len(s) < 3+n+3 || s[3+n] != '.' {
		return Position{}, bad
	}
	seq, rest := s[3:3+n], s[3+n+1:]
	m, err := strconv.Atoi(rest[:2])
	if err != nil || len(rest) != 2+m {
		return Position{}, bad
	}
	sub, err := strconv.ParseInt(rest[2:], 10, 64)
	if err != nil || !digits(seq) {
		return Position{}, bad
	}
	return Position{Seq: seq, Sub: sub}, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
