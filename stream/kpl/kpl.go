// Package kpl reads and writes the Kinesis Producer Library's aggregated
// record format, which packs many user records into one Kinesis record:
//
//	magic (F3 89 9A C2) | protobuf AggregatedRecord | MD5 of the protobuf bytes
//
// The format is published with the KPL (aggregation-format.md) and is what
// the Kinesis Client Library de-aggregates on the consumer side.
package kpl

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"math/big"

	"google.golang.org/protobuf/encoding/protowire"
)

// Magic is the four-byte prefix of every aggregated record.
var Magic = []byte{0xF3, 0x89, 0x9A, 0xC2}

const (
	// MaxRecordSize is the Kinesis limit on one record: data plus partition key.
	MaxRecordSize = 1 << 20

	digestSize = md5.Size
	// overhead is what every aggregated record carries besides its protobuf message.
	overhead = 4 + digestSize
)

// Field numbers of the published protobuf schema (proto2).
const (
	fieldPartitionKeyTable    protowire.Number = 1 // AggregatedRecord.partition_key_table
	fieldExplicitHashKeyTable protowire.Number = 2 // AggregatedRecord.explicit_hash_key_table
	fieldRecords              protowire.Number = 3 // AggregatedRecord.records

	fieldPartitionKeyIndex    protowire.Number = 1 // Record.partition_key_index
	fieldExplicitHashKeyIndex protowire.Number = 2 // Record.explicit_hash_key_index
	fieldData                 protowire.Number = 3 // Record.data
	fieldTags                 protowire.Number = 4 // Record.tags
)

// Record is one user record: what a producer put, before or after aggregation.
type Record struct {
	PartitionKey    string
	ExplicitHashKey string // empty when the hash key is derived from PartitionKey
	Data            []byte
}

// ErrFull is returned by Aggregator.Add when the record does not fit in the
// aggregated record being built; flush it and add the record again.
var ErrFull = errors.New("aggregated record is full")

// ErrTooLarge is returned by Aggregator.Add when a record cannot fit even in an
// empty aggregated record.
var ErrTooLarge = errors.New("record too large to aggregate")

// Aggregator packs user records into aggregated records no larger than a
// limit (MaxRecordSize by default). The zero value is ready to use.
// An Aggregator is not safe for concurrent use.
type Aggregator struct {
	// MaxSize bounds len(Data)+len(PartitionKey) of each aggregated record;
	// zero means MaxRecordSize.
	MaxSize int

	pkIndex  map[string]uint64
	ehkIndex map[string]uint64
	pkTable  []string
	ehkTable []string
	records  []indexedRecord
	protoLen int // size of the protobuf message built so far
}

type indexedRecord struct {
	pk, ehk uint64
	hasEHK  bool
	data    []byte
}

func (a *Aggregator) limit() int {
	if a.MaxSize > 0 {
		return a.MaxSize
	}
	return MaxRecordSize
}

// Count is the number of user records waiting in the aggregator.
func (a *Aggregator) Count() int { return len(a.records) }

// Size is the size the aggregated record would have if flushed now: its data
// plus its partition key, the quantity Kinesis limits.
func (a *Aggregator) Size() int {
	if len(a.records) == 0 {
		return 0
	}
	return overhead + a.protoLen + len(a.pkTable[0])
}

// growth returns how much the protobuf message grows if r is added.
func (a *Aggregator) growth(r Record) int {
	n := 0
	pkIdx, ok := a.pkIndex[r.PartitionKey]
	if !ok {
		pkIdx = uint64(len(a.pkTable))
		n += fieldSize(fieldPartitionKeyTable, len(r.PartitionKey))
	}
	inner := protowire.SizeTag(fieldPartitionKeyIndex) + protowire.SizeVarint(pkIdx)
	if r.ExplicitHashKey != "" {
		ehkIdx, ok := a.ehkIndex[r.ExplicitHashKey]
		if !ok {
			ehkIdx = uint64(len(a.ehkTable))
			n += fieldSize(fieldExplicitHashKeyTable, len(r.ExplicitHashKey))
		}
		inner += protowire.SizeTag(fieldExplicitHashKeyIndex) + protowire.SizeVarint(ehkIdx)
	}
	inner += fieldSize(fieldData, len(r.Data))
	return n + fieldSize(fieldRecords, inner)
}

// fieldSize is the encoded size of a length-delimited field of n bytes.
func fieldSize(num protowire.Number, n int) int {
	return protowire.SizeTag(num) + protowire.SizeBytes(n)
}

// Fits reports whether r can be added without exceeding the size limit.
func (a *Aggregator) Fits(r Record) bool {
	size := overhead + a.protoLen + a.growth(r)
	if len(a.records) == 0 {
		size += len(r.PartitionKey)
	} else {
		size += len(a.pkTable[0])
	}
	return size <= a.limit()
}

// Add appends r. It returns ErrFull, leaving the aggregator unchanged, when r
// does not fit; and ErrTooLarge when r would not fit even alone.
// The aggregator keeps a reference to r.Data until Flush.
func (a *Aggregator) Add(r Record) error {
	if r.PartitionKey == "" {
		return errors.New("kpl: record has an empty partition key")
	}
	if !a.Fits(r) {
		if len(a.records) == 0 {
			return fmt.Errorf("%w: %d bytes of data, limit %d", ErrTooLarge, len(r.Data), a.limit())
		}
		return ErrFull
	}
	if a.pkIndex == nil {
		a.pkIndex = make(map[string]uint64)
		a.ehkIndex = make(map[string]uint64)
	}
	a.protoLen += a.growth(r)
	ir := indexedRecord{data: r.Data}
	ir.pk = indexOf(r.PartitionKey, a.pkIndex, &a.pkTable)
	if r.ExplicitHashKey != "" {
		ir.hasEHK = true
		ir.ehk = indexOf(r.ExplicitHashKey, a.ehkIndex, &a.ehkTable)
	}
	a.records = append(a.records, ir)
	return nil
}

func indexOf(key string, index map[string]uint64, table *[]string) uint64 {
	if i, ok := index[key]; ok {
		return i
	}
	i := uint64(len(*table))
	index[key] = i
	*table = append(*table, key)
	return i
}

// Aggregated is one Kinesis record holding many user records. As the KPL does,
// it carries the partition key and explicit hash key of its first user record,
// so it lands on the shard that record would have.
type Aggregated struct {
	PartitionKey    string
	ExplicitHashKey string
	Data            []byte
	Count           int // user records inside
}

// Flush encodes the pending user records and resets the aggregator.
// ok is false when there was nothing to flush.
func (a *Aggregator) Flush() (agg Aggregated, ok bool) {
	if len(a.records) == 0 {
		return Aggregated{}, false
	}
	buf := make([]byte, 0, overhead+a.protoLen)
	buf = append(buf, Magic...)
	start := len(buf)
	for _, k := range a.pkTable {
		buf = protowire.AppendTag(buf, fieldPartitionKeyTable, protowire.BytesType)
		buf = protowire.AppendString(buf, k)
	}
	for _, k := range a.ehkTable {
		buf = protowire.AppendTag(buf, fieldExplicitHashKeyTable, protowire.BytesType)
		buf = protowire.AppendString(buf, k)
	}
	for _, r := range a.records {
		inner := protowire.SizeTag(fieldPartitionKeyIndex) + protowire.SizeVarint(r.pk) +
			fieldSize(fieldData, len(r.data))
		if r.hasEHK {
			inner += protowire.SizeTag(fieldExplicitHashKeyIndex) + protowire.SizeVarint(r.ehk)
		}
		buf = protowire.AppendTag(buf, fieldRecords, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(inner))
		buf = protowire.AppendTag(buf, fieldPartitionKeyIndex, protowire.VarintType)
		buf = protowire.AppendVarint(buf, r.pk)
		if r.hasEHK {
			buf = protowire.AppendTag(buf, fieldExplicitHashKeyIndex, protowire.VarintType)
			buf = protowire.AppendVarint(buf, r.ehk)
		}
		buf = protowire.AppendTag(buf, fieldData, protowire.BytesType)
		buf = protowire.AppendBytes(buf, r.data)
	}
	sum := md5.Sum(buf[start:])
	buf = append(buf, sum[:]...)

	agg = Aggregated{PartitionKey: a.pkTable[0], Data: buf, Count: len(a.records)}
	if a.records[0].hasEHK {
		agg.ExplicitHashKey = a.ehkTable[a.records[0].ehk]
	}
	a.reset()
	return agg, true
}

func (a *Aggregator) reset() {
	clear(a.pkIndex)
	clear(a.ehkIndex)
	a.pkTable = a.pkTable[:0]
	a.ehkTable = a.ehkTable[:0]
	clear(a.records) // drop references to user data
	a.records = a.records[:0]
	a.protoLen = 0
}

// Aggregate packs records into as few aggregated records as the size limit
// allows, in order.
func Aggregate(records []Record, maxSize int) ([]Aggregated, error) {
	a := Aggregator{MaxSize: maxSize}
	var out []Aggregated
	for i, r := range records {
		err := a.Add(r)
		if errors.Is(err, ErrFull) {
			agg, _ := a.Flush()
			out = append(out, agg)
			err = a.Add(r)
		}
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
	}
	if agg, ok := a.Flush(); ok {
		out = append(out, agg)
	}
	return out, nil
}

// IsAggregated reports whether data has the aggregated format's magic prefix
// and a matching MD5 digest. Like the KCL, anything else is a plain record.
func IsAggregated(data []byte) bool {
	if len(data) <= overhead || !bytes.HasPrefix(data, Magic) {
		return false
	}
	msg := data[len(Magic) : len(data)-digestSize]
	sum := md5.Sum(msg)
	return bytes.Equal(sum[:], data[len(data)-digestSize:])
}

// Deaggregate unpacks a Kinesis record's data. A record without the magic
// prefix or with a wrong digest is not aggregated: it is returned as the only
// record, with aggregated false and empty keys (the Kinesis record's own
// partition key applies), as the KCL does. An aggregated record whose
// protobuf message is malformed is an error.
func Deaggregate(data []byte) (records []Record, aggregated bool, err error) {
	if !IsAggregated(data) {
		return []Record{{Data: data}}, false, nil
	}
	msg := data[len(Magic) : len(data)-digestSize]
	records, err = parseAggregated(msg)
	if err != nil {
		return nil, true, fmt.Errorf("kpl: malformed aggregated record: %w", err)
	}
	return records, true, nil
}

type rawRecord struct {
	pk, ehk       uint64
	hasPK, hasEHK bool
	data          []byte
	hasData       bool
}

func parseAggregated(msg []byte) ([]Record, error) {
	var pks, ehks []string
	var raws []rawRecord
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		msg = msg[n:]
		switch {
		case num == fieldPartitionKeyTable && typ == protowire.BytesType,
			num == fieldExplicitHashKeyTable && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(msg)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			if num == fieldPartitionKeyTable {
				pks = append(pks, string(v))
			} else {
				ehks = append(ehks, string(v))
			}
			msg = msg[n:]
		case num == fieldRecords && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(msg)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			r, err := parseRecord(v)
			if err != nil {
				return nil, fmt.Errorf("record %d: %w", len(raws), err)
			}
			raws = append(raws, r)
			msg = msg[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, msg)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			msg = msg[n:]
		}
	}
	out := make([]Record, len(raws))
	for i, r := range raws {
		if r.pk >= uint64(len(pks)) {
			return nil, fmt.Errorf("record %d: partition key index %d out of range (table has %d)", i, r.pk, len(pks))
		}
		out[i] = Record{PartitionKey: pks[r.pk], Data: r.data}
		if r.hasEHK {
			if r.ehk >= uint64(len(ehks)) {
				return nil, fmt.Errorf("record %d: explicit hash key index %d out of range (table has %d)", i, r.ehk, len(ehks))
			}
			out[i].ExplicitHashKey = ehks[r.ehk]
		}
	}
	return out, nil
}

func parseRecord(b []byte) (rawRecord, error) {
	var r rawRecord
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return r, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == fieldPartitionKeyIndex && typ == protowire.VarintType,
			num == fieldExplicitHashKeyIndex && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return r, protowire.ParseError(n)
			}
			if num == fieldPartitionKeyIndex {
				r.pk, r.hasPK = v, true
			} else {
				r.ehk, r.hasEHK = v, true
			}
			b = b[n:]
		case num == fieldData && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return r, protowire.ParseError(n)
			}
			r.data, r.hasData = v, true
			b = b[n:]
		default: // tags (field 4) and unknown fields are skipped
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return r, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	// proto2 required fields, checked as the KCL's parser does.
	if !r.hasPK {
		return r, errors.New("missing required partition_key_index")
	}
	if !r.hasData {
		return r, errors.New("missing required data")
	}
	return r, nil
}

// maxHashKey is 2^128-1, the top of the Kinesis hash key space.
var maxHashKey = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))

// HashKey is the 128-bit hash key Kinesis uses to route a record to a shard:
// the explicit hash key when set, otherwise the MD5 of the partition key read
// as a big-endian unsigned integer.
func HashKey(partitionKey, explicitHashKey string) (*big.Int, error) {
	if explicitHashKey != "" {
		k, ok := new(big.Int).SetString(explicitHashKey, 10)
		if !ok || k.Sign() < 0 || k.Cmp(maxHashKey) > 0 {
			return nil, fmt.Errorf("kpl: explicit hash key %q is not a decimal in [0, 2^128-1]", explicitHashKey)
		}
		return k, nil
	}
	sum := md5.Sum([]byte(partitionKey))
	return new(big.Int).SetBytes(sum[:]), nil
}
