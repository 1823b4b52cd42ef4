package kinesis

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/spk-cli/spk/provision/local/store"
)

const (
	maxRecordBytes     = 1 << 20  // data of one record, unless the stream's MaxRecordSizeInKiB says more
	maxPutRecordsBytes = 10 << 20 // data and partition keys of one PutRecords
	maxGetRecordsBytes = 10 << 20 // one GetRecords response
	maxGetRecordsLimit = 10000
	fillPercent        = 0.95 // records are appended in key order
)

var errStreamGone = errors.New("stream is gone")

// putEntry is one record to write.
type putEntry struct {
	PartitionKey    string  `json:"PartitionKey"`
	ExplicitHashKey *string `json:"ExplicitHashKey"`
	Data            []byte  `json:"Data"`
	// pkMissing tells a missing PartitionKey from an empty one; it is
	// worked out only for requests with an empty key (see markMissingKeys),
	// which are invalid either way, so valid requests pay nothing for it.
	pkMissing bool
}

// putResult is the outcome of one putEntry.
type putResult struct {
	shard   int
	counter uint64
	errCode string
	errMsg  string
	// encrypted: the stream had server-side encryption on when it was put.
	encrypted bool
}

// validateEntry checks one record; prefix is "" for PutRecord and
// "records.N.member." for PutRecords.
// Kinesis reports partitionKey, explicitHashKey, then data.
// limit is the stream's maximum record size in bytes.
func validateEntry(v *validation, e *putEntry, present bool, prefix string, limit int) {
	if e.pkMissing {
		v.notNull(false, prefix+"partitionKey")
	} else {
		v.length(e.PartitionKey, prefix+"partitionKey", 1, 256)
	}
	v.decimal(e.ExplicitHashKey, prefix+"explicitHashKey", 39)
	if !present {
		v.notNull(false, prefix+"data")
	} else if len(e.Data) > limit {
		v.add(fmt.Sprintf("java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]", len(e.Data), len(e.Data)), prefix+"data",
			fmt.Sprintf("Member must have length less than or equal to %d", limit))
	}
}

// oversize refuses a record whose data and partition key together pass
// the stream's maximum record size, as the API reference says the limit
// applies; member validation has refused data alone over it. n is the
// record's place in a PutRecords request, 0 for PutRecord. AWS's wording
// is not recorded: this is the request-size refusal's, for one record.
func oversize(e *putEntry, limit, n int) *apiError {
	size := len(e.Data) + len(e.PartitionKey)
	if size <= limit {
		return nil
	}
	which := "Record"
	if n > 0 {
		which = fmt.Sprintf("Record %d", n)
	}
	return clientErr("InvalidArgumentException", "%s size exceeds %d bytes limit: %d bytes of data and a %d-byte partition key", which, limit, len(e.Data), len(e.PartitionKey))
}

// plainlyValid says, cheaply, that validateEntry would find nothing wrong
// with e: a partition key of 1 to 256 bytes (so of 1 to 256 UTF-16 units,
// which never outnumber the bytes), no explicit hash key, and data within
// the limit. Most records are so, and skip building the member names
// validateEntry reports with.
func plainlyValid(e *putEntry, limit int) bool {
	return !e.pkMissing && len(e.PartitionKey) >= 1 && len(e.PartitionKey) <= 256 &&
		e.ExplicitHashKey == nil && e.Data != nil && len(e.Data) <= limit
}

// entryHash is the hash key a record routes by.
func (s *Service) entryHash(e *putEntry) (hashKey, *apiError) {
	if e.ExplicitHashKey == nil {
		return partitionHash(e.PartitionKey), nil
	}
	h, ok := parseHashKey(*e.ExplicitHashKey)
	if !ok {
		return hashKey{}, clientErr("InvalidArgumentException", "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", *e.ExplicitHashKey)
	}
	return h, nil
}

// put writes entries to st in one group-committed transaction and fills
// res (same order as entries). Entries already failed in res are skipped.
// limited applies the per-shard write limits (when enforced) to the
// entries: client writes are limited, a DynamoDB streaming destination's
// are not (see PutStreamRecords).
func (s *Service) put(st *stream, entries []putEntry, hashes []hashKey, res []putResult, entryFaults, limited bool) *apiError {
	name := st.name
	s.autoDistribute(st, hashes)
	for i := range res {
		if entryFaults && s.env.Faults.Hit() {
			res[i].errCode, res[i].errMsg = "InternalFailure", "Internal Service Failure"
		}
	}
	if s.env.EnforceLimits && limited {
		st.mu.Lock()
		now := s.now()
		for i := range entries {
			if res[i].errCode != "" {
				continue
			}
			sh := st.route(hashes[i])
			if sh == nil {
				continue
			}
			if !sh.limiter().allowWrite(now, len(entries[i].Data)+len(entries[i].PartitionKey)) {
				res[i].errCode = "ProvisionedThroughputExceededException"
				res[i].errMsg = fmt.Sprintf("Rate exceeded for shard %s in stream %s under account %s.", shardName(sh.Index), name, s.env.AccountID)
			}
		}
		st.mu.Unlock()
	}
	size := 0
	for i := range entries {
		size += 18 + len(entries[i].PartitionKey) + len(entries[i].Data)
	}
	err := s.env.DB.Batch(func(tx *store.Tx) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.gone || st.meta.Status == statusCreating || st.meta.Status == statusDeleting {
			return errStreamGone
		}
		root := tx.Bucket(bucketRecords).Bucket([]byte(name))
		if root == nil {
			return errStreamGone
		}
		// bbolt keeps references to keys and values until commit: carve
		// them from one allocation.
		arena := make([]byte, 0, size)
		buckets := map[int]*store.Bucket{}
		nowMs := s.nowMs()
		for i := range entries {
			if res[i].errCode != "" {
				continue
			}
			sh := st.route(hashes[i])
			if sh == nil {
				return fmt.Errorf("no open shard for a hash key in stream %s", name)
			}
			b := buckets[sh.Index]
			if b == nil {
				if b = root.Bucket(shardKey(sh.Index)); b == nil {
					return fmt.Errorf("shard bucket %d of stream %s is missing", sh.Index, name)
				}
				b.SetFillPercent(fillPercent)
				buckets[sh.Index] = b
			}
			sh.next++
			sh.lastArrMs = max(sh.lastArrMs, nowMs)
			start := len(arena)
			arena = binary.BigEndian.AppendUint64(arena, sh.next)
			key := arena[start:len(arena):len(arena)]
			start = len(arena)
			arena = appendRecord(arena, sh.lastArrMs, entries[i].PartitionKey, entries[i].Data)
			// Set on every run: Batch may run this again after the
			// stream's encryption changed.
			res[i].encrypted = st.recordsEncrypted()
			if res[i].encrypted {
				arena[start+8] |= recordEncryptedBit
			}
			if err := b.Put(key, arena[start:len(arena):len(arena)]); err != nil {
				return err
			}
			res[i].shard, res[i].counter = sh.Index, sh.next
		}
		return nil
	})
	if errors.Is(err, errStreamGone) {
		return s.streamNotFound(name)
	}
	if err != nil {
		s.env.Log.Error("put records", "stream", name, "err", err)
		return internalFailure()
	}
	s.subs.notify(name, res)
	return nil
}

type putRecordInput struct {
	streamRef
	putEntry
	SequenceNumberForOrdering *string `json:"SequenceNumberForOrdering"`
}

type putRecordOutput struct {
	ShardId        string `json:"ShardId"`
	SequenceNumber string `json:"SequenceNumber"`
	EncryptionType string `json:"EncryptionType,omitempty"`
}

func (s *Service) putRecord(c codec, body []byte) (any, *apiError) {
	var in putRecordInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	if in.PartitionKey == "" {
		var probe struct{ PartitionKey *string }
		c.decode(body, &probe)
		in.pkMissing = probe.PartitionKey == nil
	}
	var v validation
	v.decimal(in.SequenceNumberForOrdering, "sequenceNumberForOrdering", 129)
	limit := s.recordLimit(in.streamRef)
	validateEntry(&v, &in.putEntry, in.Data != nil, "", limit)
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	if apiErr := oversize(&in.putEntry, limit, 0); apiErr != nil {
		return nil, apiErr
	}
	h, apiErr := s.entryHash(&in.putEntry)
	if apiErr != nil {
		return nil, apiErr
	}
	if o := in.SequenceNumberForOrdering; o != nil && !s.possibleSeq(*o) {
		return nil, clientErr("InvalidArgumentException", "ExclusiveMinimumSequenceNumber %s used in PutRecord on stream %s under account %s is invalid.", *o, name, s.env.AccountID)
	}
	res := make([]putResult, 1)
	if apiErr := s.put(st, []putEntry{in.putEntry}, []hashKey{h}, res, false, true); apiErr != nil {
		return nil, apiErr
	}
	if res[0].errCode == "ProvisionedThroughputExceededException" {
		return nil, clientErr(res[0].errCode, "%s", res[0].errMsg)
	}
	if res[0].errCode != "" {
		return nil, internalFailure()
	}
	return putRecordOutput{ShardId: shardName(res[0].shard), SequenceNumber: formatSeq(st.createdMs(), res[0].shard, res[0].counter), EncryptionType: putEncryption(res)}, nil
}

// putEncryption is the EncryptionType a put answers: KMS when its records
// were put encrypted (they share one transaction, so all or none were).
func putEncryption(res []putResult) string {
	for _, r := range res {
		if r.encrypted {
			return "KMS"
		}
	}
	return "NONE"
}

// possibleSeq reports whether a SequenceNumberForOrdering could be a
// sequence number Kinesis issued by now. Kinesis refuses one that encodes a
// time in the future or is not a sequence number at all; spk's numbers are
// 56 digits encoding the stream's creation time, so longer numbers, and
// 56-digit ones that do not parse or encode a future time, are refused.
// Shorter numbers are below every number issued and simply order nothing.
func (s *Service) possibleSeq(o string) bool {
	if len(o) < seqDigits {
		return true
	}
	seq, ok := parseSeq(o)
	return ok && seq.streamCreatedMs <= s.nowMs()
}

func (st *stream) createdMs() int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.meta.CreatedMs
}

type putRecordsInput struct {
	streamRef
	Records []putEntry `json:"Records"`
}

type putRecordsResultEntry struct {
	SequenceNumber string `json:"SequenceNumber,omitempty"`
	ShardId        string `json:"ShardId,omitempty"`
	ErrorCode      string `json:"ErrorCode,omitempty"`
	ErrorMessage   string `json:"ErrorMessage,omitempty"`
}

type putRecordsOutput struct {
	FailedRecordCount int                     `json:"FailedRecordCount"`
	Records           []putRecordsResultEntry `json:"Records"`
	EncryptionType    string                  `json:"EncryptionType,omitempty"`
}

// doPutRecords validates and writes a decoded PutRecords request.
func (s *Service) doPutRecords(in *putRecordsInput) (*stream, []putResult, *apiError) {
	var v validation
	v.notNull(in.Records != nil, "records")
	if in.Records != nil {
		v.count(len(in.Records), func() string { return recordsListString(len(in.Records)) }, "records", 1, 500)
	}
	total, limit, tooBig := 0, s.recordLimit(in.streamRef), -1
	for i := range in.Records {
		if len(in.Records) > 500 || len(v) >= 10 {
			break
		}
		if e := &in.Records[i]; !plainlyValid(e, limit) {
			validateEntry(&v, e, e.Data != nil, fmt.Sprintf("records.%d.member.", i+1), limit)
		}
		size := len(in.Records[i].Data) + len(in.Records[i].PartitionKey)
		if size > limit && tooBig < 0 {
			tooBig = i
		}
		total += size
	}
	st, _, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, nil, apiErr
	}
	if tooBig >= 0 {
		return nil, nil, oversize(&in.Records[tooBig], limit, tooBig+1)
	}
	if total > maxPutRecordsBytes {
		// AWS's wording was "Records size exceeds 5 MB limit" when the limit
		// was 5 MiB; this is that wording with the limit of today.
		return nil, nil, clientErr("InvalidArgumentException", "Records size exceeds 10 MB limit")
	}
	hashes := make([]hashKey, len(in.Records))
	for i := range in.Records {
		if hashes[i], apiErr = s.entryHash(&in.Records[i]); apiErr != nil {
			return nil, nil, apiErr
		}
	}
	res := make([]putResult, len(in.Records))
	if apiErr := s.put(st, in.Records, hashes, res, true, true); apiErr != nil {
		return nil, nil, apiErr
	}
	return st, res, nil
}

// markMissingKeys sets pkMissing on the entries of a decoded PutRecords
// request that have no PartitionKey at all, decoding the body once more
// only when some entry's key is empty.
func markMissingKeys(c codec, body []byte, in *putRecordsInput) {
	empty := false
	for i := range in.Records {
		empty = empty || in.Records[i].PartitionKey == ""
	}
	if !empty {
		return
	}
	var probe struct {
		Records []struct{ PartitionKey *string }
	}
	if c.decode(body, &probe) != nil || len(probe.Records) != len(in.Records) {
		return
	}
	for i, r := range probe.Records {
		in.Records[i].pkMissing = r.PartitionKey == nil
	}
}

// recordsListString renders a list of n entries as Java's toString would.
func recordsListString(n int) string {
	b := []byte{'['}
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, "com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@c965e310"...)
	}
	return string(append(b, ']'))
}

func (s *Service) putRecords(c codec, body []byte) (any, *apiError) {
	var in putRecordsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	markMissingKeys(c, body, &in)
	st, res, apiErr := s.doPutRecords(&in)
	if apiErr != nil {
		return nil, apiErr
	}
	created := st.createdMs()
	out := putRecordsOutput{Records: make([]putRecordsResultEntry, len(res)), EncryptionType: putEncryption(res)}
	for i, r := range res {
		if r.errCode != "" {
			out.FailedRecordCount++
			out.Records[i] = putRecordsResultEntry{ErrorCode: r.errCode, ErrorMessage: r.errMsg}
			continue
		}
		out.Records[i] = putRecordsResultEntry{SequenceNumber: formatSeq(created, r.shard, r.counter), ShardId: shardName(r.shard)}
	}
	return out, nil
}

// --- GetShardIterator --------------------------------------------------
