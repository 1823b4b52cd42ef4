package dynamodb

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// Kinesis Data Streams for DynamoDB: a table's item changes flow into a
// Kinesis stream of the same endpoint. This file holds the control plane
// (Enable, Disable, Update and DescribeKinesisStreamingDestination and the
// destination lifecycle); kinesisdest_record.go builds the records and
// kinesisdest_delivery.go moves them into the stream.
//
// The lifecycle follows what DynamoDB does: Enable answers ENABLING and the
// stream is checked asynchronously (ACTIVE, or ENABLE_FAILED with a
// description); Disable answers DISABLING, then the entry stays DISABLED;
// Update answers UPDATING, then ACTIVE. A table has at most one entry that
// is not DISABLED or ENABLE_FAILED; those two linger, one per stream.

var destinationsBucket = []byte("dynamodb/kinesis-destinations")

const (
	destEnabling     = "ENABLING"
	destActive       = "ACTIVE"
	destDisabling    = "DISABLING"
	destDisabled     = "DISABLED"
	destEnableFailed = "ENABLE_FAILED"
	destUpdating     = "UPDATING"

	precisionMilli = "MILLISECOND"
	precisionMicro = "MICROSECOND"
)

// DynamoDB's messages. Every state error is a ValidationException whose
// text starts the same way, whatever the operation.
const (
	msgDestState     = "Table is not in a valid state to enable Kinesis Streaming Destination: "
	msgEnableState   = msgDestState + "EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED to perform ENABLE operation."
	msgDisableState  = msgDestState + "KinesisStreamingDestination must be ACTIVE to perform DISABLE operation."
	msgNoPermission  = "User does not have a permission to use kinesis stream"
	msgOtherRegion   = "The kinesis Arn used to enable kinesis replication belongs to a stream which is not in the current region"
	msgNotActive     = "The kinesis Arn used to enable kinesis replication belongs to a stream which is not in Active state"
	msgDisableConfig = "Stream cannot be disabled using EnableKinesisStreamingConfiguration parameters"
	msgUpdateConfig  = "Streaming destination cannot be updated with given parameters: UpdateKinesisStreamingConfiguration cannot be null or contain only null values"
)

// kinesisDest is one destination of a table.
type kinesisDest struct {
	StreamArn   string
	Status      string
	Description string `json:",omitempty"`
	// Precision is "" until Enable or Update sets it; MILLISECOND applies
	// then, and DescribeKinesisStreamingDestination shows no precision.
	Precision string `json:",omitempty"`
}

func (d kinesisDest) precision() string {
	if d.Precision == "" {
		return precisionMilli
	}
	return d.Precision
}

// streaming reports whether the table's changes go to this destination.
func (d kinesisDest) streaming() bool { return d.Status == destActive || d.Status == destUpdating }

func (d kinesisDest) live() bool { return d.Status != destDisabled && d.Status != destEnableFailed }

// kinesisDests is a table's destinations, most recently enabled first. A
// published value is never modified: changes publish a copy, so the
// committer reads it without locks.
type kinesisDests struct {
	TableName string
	TableID   string
	List      []kinesisDest
}

func (k *kinesisDests) find(arn string) int {
	if k == nil {
		return -1
	}
	return slices.IndexFunc(k.List, func(d kinesisDest) bool { return d.StreamArn == arn })
}

// destinations serialises changes to destinations. The committer never
// takes mu; holders of mu may wait for bbolt and take Service.mu (read).
type destinations struct {
	mu   sync.Mutex
	wake chan struct{} // the delivery goroutine's doorbell
}

// startDestinations loads the destinations, settles the transitions a
// restart cut short, drops those of tables that no longer exist and
// starts the delivery of queued records.
func (s *Service) startDestinations() error {
	s.kdest.wake = make(chan struct{}, 1)
	byID := map[string]*table{}
	for _, t := range s.tables {
		byID[t.meta.TableID] = t
	}
	err := s.env.DB.Update(func(tx *store.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(outboxBucket); err != nil {
			return fmt.Errorf("dynamodb: create outbox bucket: %w", err)
		}
		b, err := tx.CreateBucketIfNotExists(destinationsBucket)
		if err != nil {
			return fmt.Errorf("dynamodb: create destinations bucket: %w", err)
		}
		var stale [][]byte
		var loaded []*kinesisDests
		err = b.ForEach(func(k, v []byte) error {
			if byID[string(k)] == nil {
				stale = append(stale, k)
				return nil
			}
			var d kinesisDests
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("dynamodb: stored destinations of %s: %w", k, err)
			}
			loaded = append(loaded, &d)
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		for _, d := range loaded {
			for i := range d.List {
				s.settleDest(&d.List[i])
			}
			if err := putDests(tx, d); err != nil {
				return err
			}
			byID[d.TableID].kdests.Store(d)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.wg.Add(1)
	go s.deliverDestinations()
	return nil
}

func putDests(tx *store.Tx, d *kinesisDests) error {
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return tx.Bucket(destinationsBucket).Put([]byte(d.TableID), v)
}

// settleDest completes a transition: ENABLING checks the stream.
func (s *Service) settleDest(d *kinesisDest) {
	switch d.Status {
	case destEnabling:
		if why := s.streamProblem(d.StreamArn); why != "" {
			d.Status, d.Description = destEnableFailed, why
		} else {
			d.Status, d.Description = destActive, ""
		}
	case destDisabling:
		d.Status = destDisabled
	case destUpdating:
		d.Status = destActive
	}
}

// streamProblem is why DynamoDB would not stream into the ARN, or "". Its
// descriptions are DynamoDB's: a stream that does not exist (or is not
// ACTIVE yet, or is not a stream at all) reads as a permission problem.
func (s *Service) streamProblem(arn string) string {
	p := strings.SplitN(arn, ":", 6)
	if len(p) == 6 && p[0] == "arn" && p[2] == "firehose" {
		// A Firehose delivery stream reads as a stream that is not ACTIVE.
		return msgNotActive
	}
	if len(p) != 6 || p[0] != "arn" || p[2] != "kinesis" || !strings.HasPrefix(p[5], "stream/") {
		return msgNoPermission
	}
	if p[3] != s.env.Region {
		return msgOtherRegion
	}
	if p[4] != s.env.AccountID {
		return msgNotActive
	}
	if s.env.Kinesis == nil {
		return msgNoPermission
	}
	switch s.env.Kinesis.StreamStatus(arn) {
	case "ACTIVE", "UPDATING":
		return ""
	}
	return msgNoPermission
}

// changeDests applies change to a table's destinations under kdest.mu,
// stores and publishes the result, and schedules the transition of the
// entry for arn when its new status is a transitional one.
func (s *Service) changeDests(t *table, name, id, arn string, change func(cur *kinesisDests) (*kinesisDests, error)) (kinesisDest, error) {
	d, err := s.storeDests(t, name, id, arn, change)
	if err != nil {
		return kinesisDest{}, err
	}
	// Outside kdest.mu: with no delay, finishDest runs here and takes it.
	s.later(s.env.UpdateDelay, func() { s.finishDest(t, arn, d.Status) })
	return d, nil
}

// storeDests is changeDests up to the transition: it returns the new entry for arn.
func (s *Service) storeDests(t *table, name, id, arn string, change func(cur *kinesisDests) (*kinesisDests, error)) (kinesisDest, error) {
	s.kdest.mu.Lock()
	defer s.kdest.mu.Unlock()
	cur := t.kdests.Load()
	if cur == nil {
		cur = &kinesisDests{TableName: name, TableID: id}
	}
	next, err := change(cur)
	if err != nil {
		return kinesisDest{}, err
	}
	if err := s.env.DB.Update(func(tx *store.Tx) error { return putDests(tx, next) }); err != nil {
		return kinesisDest{}, err
	}
	t.kdests.Store(next)
	return next.List[next.find(arn)], nil
}

// finishDest settles the entry for arn unless it changed since.
func (s *Service) finishDest(t *table, arn, from string) {
	s.kdest.mu.Lock()
	defer s.kdest.mu.Unlock()
	s.mu.RLock()
	dropped := s.tables[t.meta.TableName] != t
	s.mu.RUnlock()
	cur := t.kdests.Load()
	i := cur.find(arn)
	if dropped || i < 0 || cur.List[i].Status != from {
		return
	}
	next := cur.clone()
	s.settleDest(&next.List[i])
	if err := s.env.DB.Update(func(tx *store.Tx) error { return putDests(tx, next) }); err != nil {
		s.log.Error("dynamodb: settle kinesis destination; trying again in a second", "table", next.TableName, "stream", arn, "err", err)
		s.later(time.Second, func() { s.finishDest(t, arn, from) })
		return
	}
	t.kdests.Store(next)
}

func (k *kinesisDests) clone() *kinesisDests {
	c := *k
	c.List = slices.Clone(k.List)
	return &c
}
