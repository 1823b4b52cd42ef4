package dynamodb

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

// queueDestinationRecord writes the change, as the record DynamoDB puts
// into a Kinesis streaming destination, to the outbox of every destination
// the table streams to, inside the write's own transaction: the write and
// its records are on disk together or not at all. The delivery goroutine
// moves them into the streams (kinesisdest_delivery.go). It reads the
// destinations through an atomic pointer and takes no lock: UpdateTable
// and the like may hold Service.mu while they wait for the store.
func (s *Service) queueDestinationRecord(tx *store.Tx, c *itemChange) error {
	dests := c.t.kdests.Load()
	if dests == nil {
		return nil
	}
	var out *store.Bucket
	var rec *changeRecord
	for _, d := range dests.List {
		if !d.streaming() {
			continue
		}
		if rec == nil {
			out = tx.Bucket(outboxBucket)
			rec = s.newChangeRecord(dests.TableName, c)
			tx.OnCommit(s.ringDelivery)
		}
		// The sequence rolls back with the transaction, so an apply that
		// runs again takes the same keys.
		seq, err := out.NextSequence()
		if err != nil {
			return err
		}
		at := s.destTimes.next(dests.TableName, rec.partitionKey, d.precision(), rec.micros)
		v := appendOutboxEntry(nil, d.StreamArn, rec.partitionKey, rec.data(d.precision(), at))
		if err := out.Put(binary.BigEndian.AppendUint64(nil, seq), v); err != nil {
			return err
		}
	}
	return nil
}

// changeRecord is one item change in the form of a Kinesis streaming
// destination record; data renders it for a precision.
type changeRecord struct {
	region, table, eventID, eventName string
	keys, newImage, oldImage          attr.Item
	byTTL                             bool
	micros                            int64 // ApproximateCreationDateTime, in microseconds
	size                              int   // SizeBytes: keys and images, as DynamoDB counts item size
	partitionKey                      string
}

func (s *Service) newChangeRecord(table string, c *itemChange) *changeRecord {
	r := &changeRecord{region: s.env.Region, table: table, eventID: uuid.NewString(),
		newImage: c.new, oldImage: c.old, byTTL: c.byTTL, micros: s.env.Now().UnixMicro()}
	img := c.new
	switch {
	case c.old == nil:
		r.eventName = "INSERT"
	case c.new == nil:
		r.eventName, img = "REMOVE", c.old
	default:
		r.eventName = "MODIFY"
	}
	r.keys = attr.Item{c.t.hash.Name: img[c.t.hash.Name]}
	var rng *attr.Value
	if c.t.rng.Name != "" {
		v := img[c.t.rng.Name]
		r.keys[c.t.rng.Name], rng = v, &v
	}
	r.size = r.keys.Size() + r.newImage.Size() + r.oldImage.Size()
	r.partitionKey = itemPartitionKey(storageKey(img[c.t.hash.Name], rng))
	return r
}

// itemPartitionKey is the Kinesis partition key of an item's records: the
// MD5 of its primary key, in upper-case hex as DynamoDB's look. Every change
// of one item has the same key, so it lands on one shard, in order.
func itemPartitionKey(key []byte) string {
	sum := md5.Sum(key)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// itemTimes gives each change of an item an ApproximateCreationDateTime
// later than the item's last one, as DynamoDB does ("If more than one
// modification occurred to the same item within the same millisecond, the
// ApproximateCreationDateTime is increased by 1 millisecond"): consumers
// order changes and drop duplicates by it, and would drop real changes of
// equal times.
type itemTimes struct {
	mu   sync.Mutex
	last map[string]int64 // table, item's partition key and precision -> its last time, in that precision
}

// maxItemTimes bounds the map; past it, entries the clock has passed,
// which no new change can equal, are dropped.
const maxItemTimes = 10000

// next is the time, in precision's unit, of an item's change made at
// micros.
func (it *itemTimes) next(table, item, precision string, micros int64) int64 {
	at := micros
	if precision != precisionMicro {
		at /= 1000
	}
	key := table + "\x00" + item + "\x00" + precision
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.last == nil {
		it.last = map[string]int64{}
	}
	if last, ok := it.last[key]; ok && at <= last {
		// One unit after the last, but never more than a second ahead of
		// the clock: DynamoDB holds one item to about 1000 writes a
		// second, and spk local does not, so a busier item would run its
		// times into the future without this.
		lead := int64(1000)
		if precision == precisionMicro {
			lead = 1_000_000
		}
		at = min(last+1, at+lead)
	}
	if len(it.last) >= maxItemTimes {
		for k, v := range it.last {
			now := micros
			if !strings.HasSuffix(k, "\x00"+precisionMicro) {
				now /= 1000
			}
			if v < now {
				delete(it.last, k)
			}
		}
	}
	it.last[key] = at
	return at
}

// data is the record's JSON, fields in DynamoDB's order, with at as its
// ApproximateCreationDateTime in precision's unit.
func (r *changeRecord) data(precision string, at int64) []byte {
	b := make([]byte, 0, 256+2*r.size)
	b = append(b, `{"awsRegion":`...)
	b = attr.AppendString(b, r.region)
	b = append(b, `,"eventID":`...)
	b = attr.AppendString(b, r.eventID)
	b = append(b, `,"eventName":"`...)
	b = append(b, r.eventName...)
	b = append(b, `","userIdentity":`...)
	if r.byTTL {
		b = append(b, `{"principalId":"dynamodb.amazonaws.com","type":"Service"}`...)
	} else {
		b = append(b, "null"...)
	}
	b = append(b, `,"recordFormat":"application/json","tableName":`...)
	b = attr.AppendString(b, r.table)
	b = append(b, `,"dynamodb":{"ApproximateCreationDateTime":`...)
	b = strconv.AppendInt(b, at, 10)
	b = append(b, `,"Keys":`...)
	b = attr.AppendItemJSON(b, r.keys)
	if r.newImage != nil {
		b = append(b, `,"NewImage":`...)
		b = attr.AppendItemJSON(b, r.newImage)
	}
	if r.oldImage != nil {
		b = append(b, `,"OldImage":`...)
		b = attr.AppendItemJSON(b, r.oldImage)
	}
	b = append(b, `,"SizeBytes":`...)
	b = strconv.AppendInt(b, int64(r.size), 10)
	b = append(b, `,"ApproximateCreationDateTimePrecision":"`...)
	b = append(b, precision...)
	b = append(b, `"},"eventSource":"aws:dynamodb"}`...)
	return b
}
