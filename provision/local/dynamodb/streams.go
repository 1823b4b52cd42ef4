package dynamodb

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// A table's DynamoDB stream lives in bbolt next to its items. Each stream
// (one per enabling: re-enabling makes a new one) is a nested bucket of
// streamsBucket named by its ARN, holding its meta, its shards and its
// number in the shared record log (streams_log.go). streamOfBucket maps a table's ID to the stream its writes go
// to: the committer reads it inside each write's own transaction, so the
// write path never needs Service.mu (UpdateTable holds it while it waits
// for a bbolt write) and a write is recorded exactly when it commits after
// the stream was enabled and before it was disabled.

var (
	streamsBucket  = []byte("dynamodb/streams")
	streamOfBucket = []byte("dynamodb/stream-of")

	streamMetaKey   = []byte("meta")
	streamShardsKey = []byte("shards")
)

const (
	// streamRetention is how long records, closed shards and disabled
	// streams stay readable.
	streamRetention = 24 * time.Hour
	// shardLifetime is how long a shard takes writes before it closes and
	// a child shard opens, as DynamoDB rolls shards over every few hours.
	shardLifetime = 4 * time.Hour
	// iteratorLifetime is how long a shard iterator can be used.
	iteratorLifetime = 15 * time.Minute
	// streamsMaintenance is how often idle shards roll over and expired
	// data is removed; reads apply retention by time whatever this is.
	streamsMaintenance = time.Minute
)

// streamMeta is a stream as stored. Times are Unix milliseconds.
type streamMeta struct {
	Arn            string
	Label          string
	TableName      string
	TableID        string
	ViewType       string
	KeySchema      []keySchemaElement
	Created        int64
	ReadyAt        int64  // ENABLING before, ENABLED after
	DisabledAt     int64  // 0 while enabled
	SettledAt      int64  // DISABLING before, DISABLED after
	TrimmedThrough uint64 // highest sequence number removed by retention
}

// shardMeta is a shard as stored. A stream has one open shard at a time;
// sequence numbers are per stream, so each shard owns a contiguous range.
type shardMeta struct {
	ID     string
	Parent string `json:",omitempty"`
	Start  uint64 // first sequence number the shard can hold
	End    uint64 // last sequence number it holds once closed (Start when it closed empty)
	Opened int64
	Closed int64 // 0 while open
}

func (m *streamMeta) status(now time.Time) string {
	ms := now.UnixMilli()
	switch {
	case m.DisabledAt == 0 && ms < m.ReadyAt:
		return "ENABLING"
	case m.DisabledAt == 0:
		return "ENABLED"
	case ms < m.SettledAt:
		return "DISABLING"
	}
	return "DISABLED"
}

// expired reports whether a disabled stream is past retention and gone.
func (m *streamMeta) expired(now time.Time) bool {
	return m.DisabledAt != 0 && now.Sub(time.UnixMilli(m.DisabledAt)) >= streamRetention
}

func (sh *shardMeta) expired(now time.Time) bool {
	return sh.Closed != 0 && now.Sub(time.UnixMilli(sh.Closed)) >= streamRetention
}

// seqString renders a sequence number as the service does: decimal
// digits, 21 of them, so that they also sort as strings.
func seqString(n uint64) string { return "1" + fmt.Sprintf("%020d", n) }

// parseSeq reverses seqString; ok is false for any other text.
func parseSeq(s string) (uint64, bool) {
	if len(s) != 21 || s[0] != '1' {
		return 0, false
	}
	n, err := strconv.ParseUint(s[1:], 10, 64)
	return n, err == nil
}

func seqKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// streamLabel is the stream's creation time, as DynamoDB names streams.
func streamLabel(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000") }

func newShardID(now time.Time) string {
	var r [4]byte
	rand.Read(r[:])
	return fmt.Sprintf("shardId-%020d-%s", now.UnixMilli(), hex.EncodeToString(r[:]))
}

// streamBuckets is one stream's nested buckets inside a transaction.
type streamBuckets struct {
	root, shards *store.Bucket
	records      *recordLog
}

func openStream(tx *store.Tx, arn string) *streamBuckets {
	top := tx.Bucket(streamsBucket)
	if top == nil {
		return nil
	}
	root := top.Bucket([]byte(arn))
	if root == nil {
		return nil
	}
	records := openRecordLog(tx, root)
	if records == nil {
		return nil
	}
	return &streamBuckets{root: root, shards: root.Bucket(streamShardsKey), records: records}
}

func (sb *streamBuckets) meta() (streamMeta, error) {
	var m streamMeta
	err := json.Unmarshal(sb.root.Get(streamMetaKey), &m)
	return m, err
}

func (sb *streamBuckets) putMeta(m *streamMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return sb.root.Put(streamMetaKey, b)
}

// shardList returns the stream's shards, oldest first, with their keys.
func (sb *streamBuckets) shardList() ([]shardMeta, [][]byte, error) {
	var out []shardMeta
	var keys [][]byte
	err := sb.shards.ForEach(func(k, v []byte) error {
		var sh shardMeta
		if err := json.Unmarshal(v, &sh); err != nil {
			return err
		}
		out = append(out, sh)
		keys = append(keys, append([]byte(nil), k...))
		return nil
	})
	return out, keys, err
}

// openShard returns the stream's open shard and its key, if any.
func (sb *streamBuckets) openShard() (*shardMeta, []byte, error) {
	k, v := sb.shards.Cursor().Last()
	if k == nil {
		return nil, nil, nil
	}
	var sh shardMeta
	if err := json.Unmarshal(v, &sh); err != nil {
		return nil, nil, err
	}
	if sh.Closed != 0 {
		return nil, nil, nil
	}
	return &sh, k, nil
}

func (sb *streamBuckets) putShard(k []byte, sh *shardMeta) error {
	b, err := json.Marshal(sh)
	if err != nil {
		return err
	}
	return sb.shards.Put(k, b)
}

// addShard opens a new shard, the child of parent ("" for the first).
func (sb *streamBuckets) addShard(parent string, now time.Time) (*shardMeta, error) {
	n, err := sb.shards.NextSequence()
	if err != nil {
		return nil, err
	}
	// The shard's starting number is taken for itself, so its first record
	// comes after it, as on DynamoDB, and AT_SEQUENCE_NUMBER with it reads
	// the shard from its start.
	start, err := sb.records.NextSequence()
	if err != nil {
		return nil, err
	}
	sh := &shardMeta{ID: newShardID(now), Parent: parent, Start: start, Opened: now.UnixMilli()}
	return sh, sb.putShard(seqKey(n), sh)
}

// closeShard closes the open shard at the last sequence number written.
func (sb *streamBuckets) closeShard(k []byte, sh *shardMeta, now time.Time) error {
	sh.End = sb.records.Sequence()
	sh.Closed = now.UnixMilli()
	return sb.putShard(k, sh)
}

// rollOver closes the open shard once it has lived shardLifetime and opens
// its child; it returns the shard that takes writes now.
func (sb *streamBuckets) rollOver(now time.Time) (*shardMeta, error) {
	sh, k, err := sb.openShard()
	if err != nil || sh == nil {
		return sh, err
	}
	if now.Sub(time.UnixMilli(sh.Opened)) < shardLifetime {
		return sh, nil
	}
	if err := sb.closeShard(k, sh, now); err != nil {
		return nil, err
	}
	return sb.addShard(sh.ID, now)
}

// currentStream returns the ARN and view type of the stream a table's
// writes go to, or "" when it has none.
func currentStream(tx *store.Tx, tableID string) (arn, viewType string) {
	b := tx.Bucket(streamOfBucket)
	if b == nil {
		return "", ""
	}
	v := b.Get([]byte(tableID))
	if v == nil {
		return "", ""
	}
	var cur struct{ Arn, ViewType string }
	if json.Unmarshal(v, &cur) != nil {
		return "", ""
	}
	return cur.Arn, cur.ViewType
}

// startStream creates a new stream for the table inside tx and points the
// table's writes at it. ready is when it becomes ENABLED.
func startStream(tx *store.Tx, m *tableMeta, viewType string, now time.Time, ready time.Duration) error {
	top, err := tx.CreateBucketIfNotExists(streamsBucket)
	if err != nil {
		return err
	}
	// Labels have millisecond resolution: a stream enabled again within the
	// same millisecond takes the next one, so that every ARN is new.
	var arn, label string
	for {
		label = streamLabel(now)
		arn = m.TableArn + "/stream/" + label
		if top.Bucket([]byte(arn)) == nil {
			break
		}
		now = now.Add(time.Millisecond)
	}
	root, err := top.CreateBucket([]byte(arn))
	if err != nil {
		return err
	}
	sb := &streamBuckets{root: root}
	if sb.shards, err = root.CreateBucket(streamShardsKey); err != nil {
		return err
	}
	if sb.records, err = newRecordLog(tx, root); err != nil {
		return err
	}
	sm := streamMeta{Arn: arn, Label: label, TableName: m.TableName, TableID: m.TableID, ViewType: viewType,
		KeySchema: m.KeySchema, Created: now.UnixMilli(), ReadyAt: now.Add(ready).UnixMilli()}
	if err := sb.putMeta(&sm); err != nil {
		return err
	}
	if _, err := sb.addShard("", now); err != nil {
		return err
	}
	of, err := tx.CreateBucketIfNotExists(streamOfBucket)
	if err != nil {
		return err
	}
	cur, _ := json.Marshal(struct{ Arn, ViewType string }{arn, viewType})
	if err := of.Put([]byte(m.TableID), cur); err != nil {
		return err
	}
	m.StreamSpecification, _ = json.Marshal(map[string]any{"StreamEnabled": true, "StreamViewType": viewType})
	m.LatestStreamArn, m.LatestStreamLabel = arn, label
	return nil
}

// stopStream disables the table's stream inside tx: writes stop going to
// it, its open shard closes, and it stays readable for streamRetention.
// settle is how long it stays DISABLING.
func stopStream(tx *store.Tx, m *tableMeta, now time.Time, settle time.Duration) error {
	m.StreamSpecification = nil
	arn, _ := currentStream(tx, m.TableID)
	if arn == "" {
		return nil
	}
	if err := tx.Bucket(streamOfBucket).Delete([]byte(m.TableID)); err != nil {
		return err
	}
	sb := openStream(tx, arn)
	if sb == nil {
		return nil
	}
	sm, err := sb.meta()
	if err != nil {
		return err
	}
	sm.DisabledAt = now.UnixMilli()
	sm.SettledAt = now.Add(settle).UnixMilli()
	if err := sb.putMeta(&sm); err != nil {
		return err
	}
	sh, k, err := sb.openShard()
	if err != nil || sh == nil {
		return err
	}
	return sb.closeShard(k, sh, now)
}

// streamSpec is a StreamSpecification parameter.
type streamSpec struct {
	StreamEnabled  *bool   `json:"StreamEnabled"`
	StreamViewType *string `json:"StreamViewType"`
}

var streamViewTypes = map[string]bool{"NEW_IMAGE": true, "OLD_IMAGE": true, "NEW_AND_OLD_IMAGES": true, "KEYS_ONLY": true}

// parseStreamSpec validates a StreamSpecification's members; creating
// chooses CreateTable's wording for the rules between them.
func parseStreamSpec(raw json.RawMessage, creating bool) (*streamSpec, error) {
	if raw == nil || string(raw) == "null" {
		return nil, nil
	}
	var sp streamSpec
	if err := decode(raw, &sp); err != nil {
		return nil, err
	}
	if sp.StreamViewType != nil && !streamViewTypes[*sp.StreamViewType] {
		return nil, validation("1 validation error detected: Value '" + *sp.StreamViewType + "' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [OLD_IMAGE, KEYS_ONLY, NEW_AND_OLD_IMAGES, NEW_IMAGE]")
	}
	if sp.StreamEnabled == nil {
		return nil, validation("1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy constraint: Member must not be null")
	}
	switch {
	case *sp.StreamEnabled && sp.StreamViewType == nil && creating:
		return nil, validation("One or more parameter values were invalid: Table is being created with a stream enabled, UpdateViewType is required")
	case !*sp.StreamEnabled && sp.StreamViewType != nil && creating:
		return nil, validation("One or more parameter values were invalid: Table is being created with a stream disabled, UpdateViewType should not be specified")
	case *sp.StreamEnabled && sp.StreamViewType == nil:
		return nil, validation("One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required")
	case !*sp.StreamEnabled && sp.StreamViewType != nil:
		return nil, validation("One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified")
	}
	return &sp, nil
}

// checkStreamUpdate applies UpdateTable's rules for a stream change to a
// table whose current meta is m.
func checkStreamUpdate(sp *streamSpec, m *tableMeta, in *updateTableInput) error {
	if sp == nil {
		return nil
	}
	if in.ProvisionedThroughput != nil {
		return validation("One or more parameter values were invalid: You cannot modify stream status while updating table IOPS")
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Create != nil || u.Delete != nil {
			return validation("One or more parameter values were invalid: You cannot create or delete index while changing stream status")
		}
	}
	enabled := len(m.StreamSpecification) > 0
	if *sp.StreamEnabled && enabled {
		return validation("Table already has an enabled stream: TableName: " + m.TableName)
	}
	if !*sp.StreamEnabled && !enabled {
		return validation("Table has no stream to disable: TableName: " + m.TableName)
	}
	return nil
}
