package dynamodb

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"strconv"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

// appendStreamRecord adds the change to the table's DynamoDB stream when one
// is enabled. It runs inside the write's transaction and reads the stream
// state from it, so it takes no lock; its sequence number comes from the
// records bucket's sequence, which rolls back with the transaction when a
// group is retried.
func (s *Service) appendStreamRecord(tx *store.Tx, c *itemChange) error {
	arn, viewType := currentStream(tx, c.t.id)
	if arn == "" {
		return nil
	}
	sb := openStream(tx, arn)
	if sb == nil {
		return nil
	}
	now := s.env.Now()
	if _, err := sb.rollOver(now); err != nil {
		return err
	}
	seq, err := sb.records.NextSequence()
	if err != nil {
		return err
	}
	v := binary.BigEndian.AppendUint64(nil, uint64(now.UnixMilli()))
	v = s.appendRecordJSON(v, c, viewType, seq, now.Unix())
	return sb.records.Put(seq, v)
}

// appendRecordJSON renders a stream record as GetRecords returns it.
func (s *Service) appendRecordJSON(b []byte, c *itemChange, viewType string, seq uint64, created int64) []byte {
	img := c.new
	if img == nil {
		img = c.old
	}
	keys := attr.Item{c.t.hash.Name: img[c.t.hash.Name]}
	if c.t.rng.Name != "" {
		keys[c.t.rng.Name] = img[c.t.rng.Name]
	}
	event := "MODIFY"
	switch {
	case c.old == nil:
		event = "INSERT"
	case c.new == nil:
		event = "REMOVE"
	}
	var id [16]byte
	rand.Read(id[:])
	size := keys.Size()
	b = append(b, `{"awsRegion":`...)
	b = attr.AppendString(b, s.env.Region)
	b = append(b, `,"dynamodb":{"ApproximateCreationDateTime":`...)
	b = strconv.AppendInt(b, created, 10)
	b = append(b, `,"Keys":`...)
	b = attr.AppendItemJSON(b, keys)
	if c.new != nil && (viewType == "NEW_IMAGE" || viewType == "NEW_AND_OLD_IMAGES") {
		b = append(b, `,"NewImage":`...)
		b = attr.AppendItemJSON(b, c.new)
		size += c.new.Size()
	}
	if c.old != nil && (viewType == "OLD_IMAGE" || viewType == "NEW_AND_OLD_IMAGES") {
		b = append(b, `,"OldImage":`...)
		b = attr.AppendItemJSON(b, c.old)
		size += c.old.Size()
	}
	b = append(b, `,"SequenceNumber":"`...)
	b = append(b, seqString(seq)...)
	b = append(b, `","SizeBytes":`...)
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, `,"StreamViewType":"`...)
	b = append(b, viewType...)
	b = append(b, `"},"eventID":"`...)
	b = append(b, hex.EncodeToString(id[:])...)
	b = append(b, `","eventName":"`...)
	b = append(b, event...)
	b = append(b, `","eventSource":"aws:dynamodb","eventVersion":"1.1"`...)
	if c.byTTL {
		b = append(b, `,"userIdentity":{"PrincipalId":"dynamodb.amazonaws.com","Type":"Service"}`...)
	}
	return append(b, '}')
}
