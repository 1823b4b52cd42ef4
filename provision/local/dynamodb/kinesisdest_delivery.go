package dynamodb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// Records for Kinesis streaming destinations wait in an outbox bucket,
// keyed by a sequence taken in the write's transaction, so the outbox is in
// commit order. One goroutine moves them into their streams in that order
// (so every item's changes arrive in the order they were made) and deletes
// them once Kinesis has them on disk. A crash between the two puts a batch
// in twice: delivery is at least once, as DynamoDB's is. The outbox
// survives restarts, and delivery resumes where it stopped.

var outboxBucket = []byte("dynamodb/kinesis-outbox")

const (
	deliveryBatch = 500     // records per put, PutRecords's limit
	deliveryBytes = 4 << 20 // and about this much data
	deliveryRetry = time.Second
)

// ringDelivery wakes the delivery goroutine; it runs when a transaction
// that queued records has committed.
func (s *Service) ringDelivery() {
	select {
	case s.kdest.wake <- struct{}{}:
	default:
	}
}

func (s *Service) deliverDestinations() {
	defer s.wg.Done()
	for {
		select {
		case <-s.stop: // what is left is delivered after the restart
			return
		default:
		}
		n, err := s.deliverOnce()
		if err != nil {
			s.log.Warn("dynamodb: kinesis destination delivery failed; retrying", "err", err)
			timer := time.NewTimer(deliveryRetry)
			select {
			case <-timer.C:
			case <-s.stop:
				timer.Stop()
				return
			}
			continue
		}
		if n > 0 {
			continue
		}
		select {
		case <-s.kdest.wake:
		case <-s.stop:
			return
		}
	}
}

type outboxEntry struct {
	key []byte
	arn string
	rec service.KinesisRecord
}

// deliverOnce delivers the oldest queued records and reports how many it
// took from the outbox.
func (s *Service) deliverOnce() (int, error) {
	var batch []outboxEntry
	err := s.env.DB.View(func(tx *store.Tx) error {
		c := tx.Bucket(outboxBucket).Cursor()
		size := 0
		for k, v := c.First(); k != nil && len(batch) < deliveryBatch && size < deliveryBytes; k, v = c.Next() {
			e, ok := decodeOutboxEntry(v)
			if !ok {
				s.log.Error("dynamodb: dropping an unreadable kinesis destination record", "key", k)
			}
			e.key = bytes.Clone(k)
			batch = append(batch, e)
			size += len(v)
		}
		return nil
	})
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	// One put per stream, each in outbox order.
	var arns []string
	byArn := map[string][]int{}
	for i, e := range batch {
		if e.arn == "" {
			continue
		}
		if _, ok := byArn[e.arn]; !ok {
			arns = append(arns, e.arn)
		}
		byArn[e.arn] = append(byArn[e.arn], i)
	}
	delivered := make([]bool, len(batch))
	for i, e := range batch {
		delivered[i] = e.arn == ""
	}
	var firstErr error
	for _, arn := range arns {
		recs := make([]service.KinesisRecord, 0, len(byArn[arn]))
		for _, i := range byArn[arn] {
			recs = append(recs, batch[i].rec)
		}
		err := service.ErrStreamNotFound
		if s.env.Kinesis != nil {
			err = s.env.Kinesis.PutStreamRecords(arn, recs)
		}
		if errors.Is(err, service.ErrStreamNotFound) {
			// The stream was deleted: DynamoDB keeps the destination ACTIVE
			// and its records go nowhere.
			s.log.Warn("dynamodb: kinesis destination stream is gone; dropping its records", "stream", arn, "records", len(recs))
			err = nil
		}
		if err != nil {
			firstErr = errors.Join(firstErr, err)
			continue
		}
		for _, i := range byArn[arn] {
			delivered[i] = true
		}
	}
	err = s.env.DB.Update(func(tx *store.Tx) error {
		b := tx.Bucket(outboxBucket)
		for i, e := range batch {
			if delivered[i] {
				if err := b.Delete(e.key); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if firstErr != nil {
		return 0, firstErr
	}
	return len(batch), err
}

// An outbox entry is the stream ARN and the partition key, each with a
// length, then the data.
func appendOutboxEntry(b []byte, arn, pk string, data []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(arn)))
	b = append(b, arn...)
	b = binary.AppendUvarint(b, uint64(len(pk)))
	b = append(b, pk...)
	return append(b, data...)
}

func decodeOutboxEntry(v []byte) (outboxEntry, bool) {
	var e outboxEntry
	field := func() (string, bool) {
		n, w := binary.Uvarint(v)
		if w <= 0 || uint64(len(v)-w) < n {
			return "", false
		}
		s := string(v[w : w+int(n)])
		v = v[w+int(n):]
		return s, true
	}
	arn, ok1 := field()
	pk, ok2 := field()
	if !ok1 || !ok2 {
		return outboxEntry{}, false
	}
	e.arn, e.rec = arn, service.KinesisRecord{PartitionKey: pk, Data: bytes.Clone(v)}
	return e, true
}
