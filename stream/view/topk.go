package view

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// TopK is a Space-Saving summary (Metwally, Agrawal and El Abbadi, 2005) of
// the most frequent values in a stream, with room for Capacity values.
//
// Each kept value has a count and an error: its true frequency f satisfies
// Count-Err <= f <= Count, and Err <= N/Capacity where N is the number of
// values observed. Every value with f > N/Capacity is kept. Summaries merge
// (Cafaro, Pulimeno and Tempesta, 2016: a value missing from a full summary
// is taken at that summary's minimum count), and the merged summary keeps
// the same bounds for the combined stream.
type TopK struct {
	capacity int
	n        uint64
	items    map[string]*topEntry
}

type topEntry struct {
	value      string
	count, err uint64
}

// TopEntry is one value of a top list.
type TopEntry struct {
	Value string
	Count uint64 // an upper bound of the value's frequency
	Err   uint64 // Count-Err is a lower bound
}

// NewTopK returns an empty summary with room for capacity values.
func NewTopK(capacity int) *TopK {
	return &TopK{capacity: capacity, items: make(map[string]*topEntry, capacity)}
}

// Capacity returns how many values the summary keeps.
func (s *TopK) Capacity() int { return s.capacity }

// N returns how many values were observed.
func (s *TopK) N() uint64 { return s.n }

// Observe counts one occurrence of value.
func (s *TopK) Observe(value string) {
	s.n++
	if e := s.items[value]; e != nil {
		e.count++
		return
	}
	if len(s.items) < s.capacity {
		s.items[value] = &topEntry{value: value, count: 1}
		return
	}
	// Replace the value with the smallest count: the newcomer may have
	// occurred up to that many times unseen.
	m := s.min()
	delete(s.items, m.value)
	s.items[value] = &topEntry{value: value, count: m.count + 1, err: m.count}
}

// min returns the entry with the smallest count, the greatest value among
// ties, so that the outcome does not depend on map order.
func (s *TopK) min() *topEntry {
	var m *topEntry
	for _, e := range s.items {
		if m == nil || e.count < m.count || e.count == m.count && e.value > m.value {
			m = e
		}
	}
	return m
}

// floor is what a value absent from s may have been counted: nothing if s
// never dropped a value, its smallest count if it is full.
func (s *TopK) floor() uint64 {
	if len(s.items) < s.capacity {
		return 0
	}
	return s.min().count
}

// Merge adds o's stream to s. Both must have the same capacity.
func (s *TopK) Merge(o *TopK) error {
	if o.capacity != s.capacity {
		return fmt.Errorf("top list: cannot merge a summary of %d values into one of %d", o.capacity, s.capacity)
	}
	fs, fo := s.floor(), o.floor()
	merged := make([]*topEntry, 0, len(s.items)+len(o.items))
	for v, e := range s.items {
		c, r := fo, fo
		if x := o.items[v]; x != nil {
			c, r = x.count, x.err
		}
		merged = append(merged, &topEntry{value: v, count: e.count + c, err: e.err + r})
	}
	for v, x := range o.items {
		if s.items[v] == nil {
			merged = append(merged, &topEntry{value: v, count: x.count + fs, err: x.err + fs})
		}
	}
	sortEntries(merged)
	if len(merged) > s.capacity {
		merged = merged[:s.capacity]
	}
	s.items = make(map[string]*topEntry, s.capacity)
	for _, e := range merged {
		s.items[e.value] = e
	}
	s.n += o.n
	return nil
}

func sortEntries(es []*topEntry) {
	slices.SortFunc(es, func(a, b *topEntry) int {
		if a.count != b.count {
			if a.count > b.count {
				return -1
			}
			return 1
		}
		return strings.Compare(a.value, b.value)
	})
}

func (s *TopK) sorted() []*topEntry {
	es := make([]*topEntry, 0, len(s.items))
	for _, e := range s.items {
		es = append(es, e)
	}
	sortEntries(es)
	return es
}

// Top returns up to k values by decreasing count (ties by value).
func (s *TopK) Top(k int) []TopEntry {
	es := s.sorted()
	if len(es) > k {
		es = es[:k]
	}
	out := make([]TopEntry, len(es))
	for i, e := range es {
		out[i] = TopEntry{e.value, e.count, e.err}
	}
	return out
}

const topkVersion = 1

// MarshalBinary writes the summary: a version byte, then uvarints for the
// capacity, N and the number of entries, then per entry (by decreasing
// count) the value's length and bytes, its count and its error. Equal
// summaries give equal bytes.
func (s *TopK) MarshalBinary() ([]byte, error) {
	b := []byte{topkVersion}
	b = binary.AppendUvarint(b, uint64(s.capacity))
	b = binary.AppendUvarint(b, s.n)
	b = binary.AppendUvarint(b, uint64(len(s.items)))
	for _, e := range s.sorted() {
		b = binary.AppendUvarint(b, uint64(len(e.value)))
		b = append(b, e.value...)
		b = binary.AppendUvarint(b, e.count)
		b = binary.AppendUvarint(b, e.err)
	}
	return b, nil
}

// maxTopCapacity bounds what UnmarshalBinary accepts.
const maxTopCapacity = 4 * MaxTopK

var errTopCorrupt = errors.New("top list: corrupt summary")

// UnmarshalBinary reads what MarshalBinary wrote.
func (s *TopK) UnmarshalBinary(b []byte) error {
	if len(b) == 0 || b[0] != topkVersion {
		return errTopCorrupt
	}
	b = b[1:]
	next := func() (uint64, bool) {
		x, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return x, true
	}
	capacity, ok1 := next()
	n, ok2 := next()
	count, ok3 := next()
	if !ok1 || !ok2 || !ok3 || capacity == 0 || capacity > maxTopCapacity || count > capacity {
		return errTopCorrupt
	}
	items := make(map[string]*topEntry, capacity)
	var total uint64
	for range count {
		l, ok := next()
		if !ok || l > uint64(len(b)) {
			return errTopCorrupt
		}
		v := string(b[:l])
		b = b[l:]
		c, ok1 := next()
		e, ok2 := next()
		if !ok1 || !ok2 || e >= c || items[v] != nil || c > n {
			return errTopCorrupt
		}
		total += c - e
		items[v] = &topEntry{value: v, count: c, err: e}
	}
	if len(b) != 0 || total > n {
		return errTopCorrupt
	}
	*s = TopK{capacity: int(capacity), n: n, items: items}
	return nil
}
