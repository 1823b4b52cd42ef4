package dynamodb

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// StreamsTargetPrefix is the X-Amz-Target prefix of DynamoDB Streams
// requests, served on the same endpoint as DynamoDB.
const StreamsTargetPrefix = "DynamoDBStreams_20120810"

// Streams serves the DynamoDB Streams API over a Service's tables. The
// Service owns the state and the goroutines; Streams is its second face.
type Streams struct{ s *Service }

// Streams returns the DynamoDB Streams handler of the service.
func (s *Service) Streams() *Streams { return &Streams{s: s} }

// TargetPrefix implements service.Handler.
func (h *Streams) TargetPrefix() string { return StreamsTargetPrefix }

// Name implements service.Handler.
func (h *Streams) Name() string { return "dynamodbstreams" }

// Has implements service.Handler.
func (h *Streams) Has(op string) bool { _, ok := streamsOperations[op]; return ok }

// InternalError implements service.Handler, as DynamoDB's.
func (h *Streams) InternalError(w http.ResponseWriter, r *http.Request) { h.s.InternalError(w, r) }

// Close implements service.Handler; the Service's Close stops everything.
func (h *Streams) Close() error { return nil }

var streamsOperations = map[string]opFunc{
	"ListStreams":      (*Service).listStreams,
	"DescribeStream":   (*Service).describeStream,
	"GetShardIterator": (*Service).getShardIterator,
	"GetRecords":       (*Service).getRecords,
}

// ServeOp implements service.Handler.
func (h *Streams) ServeOp(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	fn, ok := streamsOperations[op]
	h.s.serve(w, op, body, fn, ok)
}

func streamNotFound(arn string) error {
	return notFound("Requested resource not found: Stream: " + arn + " not found")
}

// length checks a string member's length bounds, and its presence when
// required.
func (c *constraints) length(field string, v *string, lo, hi int, required bool) {
	if v == nil {
		if required {
			c.notNull(field, false)
		}
		return
	}
	c.stringLength(field, v, lo, hi)
}

// limitOr is the limit a request asks for, or hi when it asks for none
// (its bounds are checked with the other members).
func limitOr(v *int, hi int) int {
	if v == nil {
		return hi
	}
	return *v
}

// streamArnPattern is a DynamoDB stream's ARN: its table's ARN, then
// "/stream/" and the label, the time the stream was enabled.
var streamArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[a-zA-Z0-9_.-]{3,255}/stream/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}$`)

// checkStreamArn refuses, as DynamoDB does, a stream ARN that is not one
// (a table's ARN, a Kinesis stream's), where a well-formed ARN of no
// stream is not found.
func checkStreamArn(arn *string) error {
	if arn != nil && !streamArnPattern.MatchString(*arn) {
		return validation("Invalid StreamArn")
	}
	return nil
}

type listStreamsInput struct {
	TableName               *string `json:"TableName"`
	Limit                   *int    `json:"Limit"`
	ExclusiveStartStreamArn *string `json:"ExclusiveStartStreamArn"`
}

func (s *Service) listStreams(body []byte) (any, error) {
	var in listStreamsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.atLeast("limit", in.Limit, 1)
	c.atMost("limit", in.Limit, 100)
	c.name("tableName", in.TableName)
	c.length("exclusiveStartStreamArn", in.ExclusiveStartStreamArn, 37, 1024, false)
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := checkStreamArn(in.ExclusiveStartStreamArn); err != nil {
		return nil, err
	}
	limit := limitOr(in.Limit, 100)
	now := s.env.Now()
	streams := []map[string]any{}
	var last string
	err := s.env.DB.View(func(tx *store.Tx) error {
		c := tx.Bucket(streamsBucket).Cursor()
		k, _ := c.First()
		if in.ExclusiveStartStreamArn != nil {
			k, _ = c.Seek([]byte(*in.ExclusiveStartStreamArn))
			if k != nil && string(k) == *in.ExclusiveStartStreamArn {
				k, _ = c.Next()
			}
		}
		for ; k != nil; k, _ = c.Next() {
			sm, err := openStream(tx, string(k)).meta()
			if err != nil {
				return err
			}
			if sm.expired(now) || in.TableName != nil && sm.TableName != *in.TableName {
				continue
			}
			if len(streams) == limit {
				last = streams[limit-1]["StreamArn"].(string)
				break
			}
			streams = append(streams, map[string]any{"StreamArn": sm.Arn, "TableName": sm.TableName, "StreamLabel": sm.Label})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Streams": streams}
	if last != "" {
		out["LastEvaluatedStreamArn"] = last
	}
	return out, nil
}

type describeStreamInput struct {
	StreamArn             *string `json:"StreamArn"`
	Limit                 *int    `json:"Limit"`
	ExclusiveStartShardId *string `json:"ExclusiveStartShardId"`
	ShardFilter           *struct {
		Type    *string `json:"Type"`
		ShardId *string `json:"ShardId"`
	} `json:"ShardFilter"`
}

// childrenOf is the parent shard a ShardFilter of type CHILD_SHARDS names,
// after checking the filter: ok is false when no filter applies. A filter
// without a shard id has no children to list.
func (in *describeStreamInput) childrenOf() (parent string, ok bool) {
	f := in.ShardFilter
	if f == nil {
		return "", false
	}
	switch {
	case f.Type == nil:
		return "", false
	case f.ShardId == nil:
		return "", true
	}
	return *f.ShardId, true
}

func (s *Service) describeStream(body []byte) (any, error) {
	var in describeStreamInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.length("streamArn", in.StreamArn, 37, 1024, true)
	c.atLeast("limit", in.Limit, 1)
	c.atMost("limit", in.Limit, 100)
	c.length("exclusiveStartShardId", in.ExclusiveStartShardId, 28, 65, false)
	if f := in.ShardFilter; f != nil {
		c.enum("shardFilter.type", f.Type, "CHILD_SHARDS")
		c.length("shardFilter.shardId", f.ShardId, 28, 65, false)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := checkStreamArn(in.StreamArn); err != nil {
		return nil, err
	}
	limit := limitOr(in.Limit, 100)
	parent, onlyChildren := in.childrenOf()
	now := s.env.Now()
	var out map[string]any
	err := s.env.DB.View(func(tx *store.Tx) error {
		sb, sm, err := openLiveStream(tx, *in.StreamArn, now)
		if err != nil {
			return err
		}
		all, _, err := sb.shardList()
		if err != nil {
			return err
		}
		shards := []map[string]any{}
		started := in.ExclusiveStartShardId == nil
		var lastShard string
		for _, sh := range all {
			if sh.expired(now) || onlyChildren && (parent == "" || sh.Parent != parent) {
				continue
			}
			// Shard ids start with their creation time, zero-padded, so
			// the page starts after the one named even when it has
			// expired between two calls.
			if !started {
				if sh.ID <= *in.ExclusiveStartShardId {
					continue
				}
				started = true
			}
			if len(shards) == limit {
				lastShard = shards[limit-1]["ShardId"].(string)
				break
			}
			shards = append(shards, describeShard(&sh))
		}
		desc := map[string]any{
			"StreamArn": sm.Arn, "StreamLabel": sm.Label, "StreamStatus": sm.status(now), "StreamViewType": sm.ViewType,
			"CreationRequestDateTime": float64(sm.Created) / 1000, "TableName": sm.TableName, "KeySchema": sm.KeySchema,
			"Shards": shards,
		}
		if lastShard != "" {
			desc["LastEvaluatedShardId"] = lastShard
		}
		out = map[string]any{"StreamDescription": desc}
		return nil
	})
	return out, err
}

func describeShard(sh *shardMeta) map[string]any {
	r := map[string]any{"StartingSequenceNumber": seqString(sh.Start)}
	if sh.Closed != 0 {
		r["EndingSequenceNumber"] = seqString(max(sh.End, sh.Start))
	}
	d := map[string]any{"ShardId": sh.ID, "SequenceNumberRange": r}
	if sh.Parent != "" {
		d["ParentShardId"] = sh.Parent
	}
	return d
}

// shardIterator is what a ShardIterator string carries: where the next
// read starts and when the iterator was made.
type shardIterator struct {
	Shard   string `json:"s"`
	Next    uint64 `json:"n"`
	Created int64  `json:"t"`
}

// encodeIterator makes the iterator text: the stream ARN, as DynamoDB's
// iterators start, then the position.
func encodeIterator(arn string, it shardIterator) string {
	b, _ := json.Marshal(it)
	return arn + "|1|" + base64.RawURLEncoding.EncodeToString(b)
}

func decodeIterator(s string) (arn string, it shardIterator, ok bool) {
	i := strings.LastIndex(s, "|1|")
	if i < 0 {
		return "", it, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s[i+3:])
	if err != nil || json.Unmarshal(b, &it) != nil || it.Shard == "" {
		return "", it, false
	}
	return s[:i], it, true
}

// trimmedThrough is the highest sequence number of the stream no longer
// readable: removed already, or past retention and about to be.
func trimmedThrough(sb *streamBuckets, sm *streamMeta, now time.Time) uint64 {
	cut := uint64(now.Add(-streamRetention).UnixMilli())
	through := sm.TrimmedThrough
	c := sb.records.Cursor()
	for k, v := c.First(); k != nil && binary.BigEndian.Uint64(v) < cut; k, v = c.Next() {
		through = max(through, binary.BigEndian.Uint64(k))
	}
	return through
}

func trimmed() error {
	return &apiError{Type: "TrimmedDataAccessException", Msg: "The data you are trying to access has been trimmed"}
}

// openLiveStream opens the stream named arn, which must exist and not
// have expired.
func openLiveStream(tx *store.Tx, arn string, now time.Time) (*streamBuckets, streamMeta, error) {
	sb := openStream(tx, arn)
	if sb == nil {
		return nil, streamMeta{}, streamNotFound(arn)
	}
	sm, err := sb.meta()
	if err != nil {
		return nil, sm, err
	}
	if sm.expired(now) {
		return nil, sm, streamNotFound(arn)
	}
	return sb, sm, nil
}

// findShard returns the live shard with the id, of the stream named arn.
func findShard(sb *streamBuckets, id, arn string, now time.Time) (*shardMeta, error) {
	all, _, err := sb.shardList()
	if err != nil {
		return nil, err
	}
	for _, sh := range all {
		if sh.ID == id && !sh.expired(now) {
			return &sh, nil
		}
	}
	return nil, notFound("Requested resource not found: Shard: " + id + " in Stream: " + arn + " not found")
}

// lastSeq is the last sequence number the shard holds so far.
func lastSeq(sb *streamBuckets, sh *shardMeta) uint64 {
	if sh.Closed != 0 {
		return sh.End
	}
	return sb.records.Sequence()
}

type getShardIteratorInput struct {
	StreamArn         *string `json:"StreamArn"`
	ShardId           *string `json:"ShardId"`
	ShardIteratorType *string `json:"ShardIteratorType"`
	SequenceNumber    *string `json:"SequenceNumber"`
}

func (s *Service) getShardIterator(body []byte) (any, error) {
	var in getShardIteratorInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.length("streamArn", in.StreamArn, 37, 1024, true)
	c.length("shardId", in.ShardId, 28, 65, true)
	c.notNull("shardIteratorType", in.ShardIteratorType != nil)
	c.enum("shardIteratorType", in.ShardIteratorType, "TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
	c.length("sequenceNumber", in.SequenceNumber, 21, 40, false)
	if err := c.err(); err != nil {
		return nil, err
	}
	if err := checkStreamArn(in.StreamArn); err != nil {
		return nil, err
	}
	typ := *in.ShardIteratorType
	bySeq := typ == "AT_SEQUENCE_NUMBER" || typ == "AFTER_SEQUENCE_NUMBER"
	if bySeq && in.SequenceNumber == nil {
		return nil, validation("One or more parameter values were invalid: SequenceNumber is required for ShardIteratorType " + typ)
	}
	if !bySeq && in.SequenceNumber != nil {
		// spk's words: DynamoDB's are not recorded (Kinesis refuses the
		// same request).
		return nil, validation("One or more parameter values were invalid: SequenceNumber may only be given with ShardIteratorType AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER, not " + typ)
	}
	now := s.env.Now()
	var out map[string]any
	err := s.env.DB.View(func(tx *store.Tx) error {
		sb, sm, err := openLiveStream(tx, *in.StreamArn, now)
		if err != nil {
			return err
		}
		sh, err := findShard(sb, *in.ShardId, sm.Arn, now)
		if err != nil {
			return err
		}
		gone := trimmedThrough(sb, &sm, now)
		var next uint64
		switch typ {
		case "TRIM_HORIZON":
			next = max(sh.Start, gone+1)
		case "LATEST":
			next = lastSeq(sb, sh) + 1
		default:
			n, ok := parseSeq(*in.SequenceNumber)
			if !ok || n < sh.Start || n > lastSeq(sb, sh) {
				return validation("Invalid SequenceNumber " + *in.SequenceNumber + " for shard " + sh.ID + " of stream " + sm.Arn)
			}
			if n <= gone {
				return trimmed()
			}
			next = n
			if typ == "AFTER_SEQUENCE_NUMBER" {
				next++
			}
		}
		out = map[string]any{"ShardIterator": encodeIterator(sm.Arn, shardIterator{Shard: sh.ID, Next: next, Created: now.UnixMilli()})}
		return nil
	})
	return out, err
}

type getRecordsInput struct {
	ShardIterator *string `json:"ShardIterator"`
	Limit         *int    `json:"Limit"`
}

// maxRecordsBytes is how much record data one GetRecords returns at most.
const maxRecordsBytes = 1 << 20

func (s *Service) getRecords(body []byte) (any, error) {
	var in getRecordsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.length("shardIterator", in.ShardIterator, 1, 2048, true)
	c.atLeast("limit", in.Limit, 1)
	c.atMost("limit", in.Limit, 1000)
	if err := c.err(); err != nil {
		return nil, err
	}
	limit := limitOr(in.Limit, 1000)
	arn, it, ok := decodeIterator(*in.ShardIterator)
	if !ok {
		return nil, validation("Invalid ShardIterator")
	}
	now := s.env.Now()
	if created := time.UnixMilli(it.Created); now.Sub(created) > iteratorLifetime {
		const layout = "Mon Jan 02 15:04:05 MST 2006"
		return nil, &apiError{Type: "ExpiredIteratorException", Msg: fmt.Sprintf(
			"Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			created.UTC().Format(layout), now.UTC().Format(layout), iteratorLifetime.Milliseconds())}
	}
	records := []json.RawMessage{}
	var nextIter *string
	err := s.env.DB.View(func(tx *store.Tx) error {
		sb, sm, err := openLiveStream(tx, arn, now)
		if err != nil {
			return err
		}
		sh, err := findShard(sb, it.Shard, arn, now)
		if err != nil {
			return err
		}
		if it.Next <= trimmedThrough(sb, &sm, now) {
			return trimmed()
		}
		end := lastSeq(sb, sh)
		next, size, full := it.Next, 0, false
		c := sb.records.Cursor()
		for k, v := c.Seek(seqKey(it.Next)); k != nil; k, v = c.Next() {
			n := binary.BigEndian.Uint64(k)
			if n > end {
				break
			}
			if len(records) == limit || size > 0 && size+len(v) > maxRecordsBytes {
				full = true
				break
			}
			records = append(records, append(json.RawMessage(nil), v[8:]...)) // v is valid only inside the transaction
			size += len(v) - 8
			next = n + 1
		}
		// Sequence numbers are shared by every stream, so a closed shard's
		// end may lie past its last record: once no record of it is left,
		// the shard is read to its end.
		if sh.Closed != 0 && !full {
			next = max(next, end+1)
		}
		// A closed shard read to its end has no next iterator: the reader
		// moves on to the child shard.
		if sh.Closed == 0 || next <= end {
			n := encodeIterator(arn, shardIterator{Shard: sh.ID, Next: next, Created: now.UnixMilli()})
			nextIter = &n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Records": records}
	if nextIter != nil {
		out["NextShardIterator"] = *nextIter
	}
	return out, nil
}
