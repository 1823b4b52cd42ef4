package kinesis

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
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
	name := st.meta.Name
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
	err := s.env.DB.Batch(func(tx *bolt.Tx) error {
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
		buckets := map[int]*bolt.Bucket{}
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
				b.FillPercent = fillPercent
				buckets[sh.Index] = b
			}
			sh.next++
			sh.lastArrMs = max(sh.lastArrMs, nowMs)
			start := len(arena)
			arena = binary.BigEndian.AppendUint64(arena, sh.next)
			key := arena[start:len(arena):len(arena)]
			start = len(arena)
			arena = appendRecord(arena, sh.lastArrMs, entries[i].PartitionKey, entries[i].Data)
			if st.meta.EncryptionType != "" {
				arena[start+8] |= recordEncryptedBit
				res[i].encrypted = true
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
	validateEntry(&v, &in.putEntry, in.Data != nil, "", s.recordLimit(in.streamRef))
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
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
	total, limit := 0, s.recordLimit(in.streamRef)
	for i := range in.Records {
		if len(in.Records) > 500 || len(v) >= 10 {
			break
		}
		validateEntry(&v, &in.Records[i], in.Records[i].Data != nil, fmt.Sprintf("records.%d.member.", i+1), limit)
		total += len(in.Records[i].Data) + len(in.Records[i].PartitionKey)
	}
	st, _, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, nil, apiErr
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

type getShardIteratorInput struct {
	streamRef
	ShardId                *string    `json:"ShardId"`
	ShardIteratorType      *string    `json:"ShardIteratorType"`
	StartingSequenceNumber *string    `json:"StartingSequenceNumber"`
	Timestamp              *epochTime `json:"Timestamp"`
}

func (s *Service) getShardIterator(c codec, body []byte) (any, *apiError) {
	var in getShardIteratorInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.shardID(in.ShardId, "shardId", true)
	v.notNull(in.ShardIteratorType != nil, "shardIteratorType")
	if in.ShardIteratorType != nil {
		v.enum(*in.ShardIteratorType, "shardIteratorType", "AFTER_SEQUENCE_NUMBER", "LATEST", "AT_TIMESTAMP", "AT_SEQUENCE_NUMBER", "TRIM_HORIZON")
	}
	v.decimal(in.StartingSequenceNumber, "startingSequenceNumber", 129)
	s.resolveName(in.StreamName, in.StreamARN, &v)
	var name string
	if in.StreamName == nil && in.StreamARN == nil && in.StreamId != nil {
		name = s.orStreamID("", in.StreamId, &v)
		if err := requireStream(name, v); err != nil {
			return nil, err
		}
	} else {
		v.streamID(in.StreamId)
		var apiErr *apiError
		if name, apiErr = s.refName(in.StreamName, in.StreamARN, v); apiErr != nil {
			return nil, apiErr
		}
	}
	idx, ok := parseShardID(*in.ShardId)
	if !ok {
		return nil, s.shardNotFound(*in.ShardId, name)
	}
	shard := shardName(idx)
	st := s.lookup(name)
	if st == nil {
		return nil, s.shardDoesNotExist(shard, name)
	}
	typ := *in.ShardIteratorType
	nowMs := s.nowMs()

	st.mu.Lock()
	sh := st.shard(idx)
	if st.gone || sh == nil || st.meta.Status == statusCreating {
		st.mu.Unlock()
		return nil, s.shardDoesNotExist(shard, name)
	}
	created, trimmedTo, closed, end := st.meta.CreatedMs, sh.TrimmedTo, !sh.open(), sh.EndCounter
	st.mu.Unlock()

	var pos uint64
	switch {
	case in.StartingSequenceNumber != nil && (typ == "TRIM_HORIZON" || typ == "LATEST" || typ == "AT_TIMESTAMP"):
		return nil, clientErr("InvalidArgumentException", "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and also a StartingSequenceNumber.", typ)
	case typ == "AT_SEQUENCE_NUMBER" || typ == "AFTER_SEQUENCE_NUMBER":
		if in.StartingSequenceNumber == nil {
			return nil, clientErr("InvalidArgumentException", "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and no StartingSequenceNumber.", typ)
		}
		seq, ok := parseSeq(*in.StartingSequenceNumber)
		if !ok {
			return nil, clientErr("InvalidArgumentException", "StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid.", *in.StartingSequenceNumber, shard, name, s.env.AccountID)
		}
		if seq.shard != idx {
			return nil, clientErr("InvalidArgumentException", "Invalid StartingSequenceNumber. It encodes %s, while it was used in a call to a shard with %s", shardName(seq.shard), shard)
		}
		if seq.streamCreatedMs != created {
			return nil, clientErr("InvalidArgumentException", "StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s under account %s is invalid because it did not come from this stream.", *in.StartingSequenceNumber, shard, name, s.env.AccountID)
		}
		pos = seq.counter
		if typ == "AFTER_SEQUENCE_NUMBER" {
			pos++
		}
	case typ == "TRIM_HORIZON":
		pos = trimmedTo + 1
	case typ == "LATEST":
		if closed {
			pos = end + 1
			break
		}
		var last uint64
		s.env.DB.View(func(tx *bolt.Tx) error {
			if b := shardBucket(tx, name, idx); b != nil {
				if k, _ := b.Cursor().Last(); k != nil {
					last = binary.BigEndian.Uint64(k)
				}
			}
			return nil
		})
		pos = max(last, trimmedTo) + 1
	case typ == "AT_TIMESTAMP":
		if in.Timestamp == nil {
			return nil, clientErr("InvalidArgumentException", "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
		}
		ts := in.Timestamp.UnixMilli()
		if ts > nowMs {
			return nil, clientErr("InvalidArgumentException", "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: %d, currentTimestampInMillis: %d", ts, nowMs)
		}
		pos = s.positionAt(name, idx, ts, trimmedTo)
	}
	it := iterator{streamCreatedMs: created, issuedMs: nowMs, nonce: s.nonce.Add(1), shard: idx, pos: pos, stream: name}
	return map[string]string{"ShardIterator": encodeIterator(s.iterKey, it)}, nil
}

// positionAt finds the first record of a shard that arrived at or after
// tsMs by bisecting the (arrival-ordered) records.
func (s *Service) positionAt(stream string, shard int, tsMs int64, trimmedTo uint64) uint64 {
	pos := trimmedTo + 1
	s.env.DB.View(func(tx *bolt.Tx) error {
		b := shardBucket(tx, stream, shard)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		lastK, lastV := c.Last()
		if lastK == nil {
			return nil
		}
		last := binary.BigEndian.Uint64(lastK)
		if recordArrival(lastV) < tsMs {
			pos = last + 1
			return nil
		}
		// Smallest counter whose first record at or after it arrived at or
		// after tsMs; arrival times never decrease within a shard.
		lo, hi := pos, last
		for lo < hi {
			mid := lo + (hi-lo)/2
			k, v := c.Seek(counterKey(mid))
			if recordArrival(v) >= tsMs {
				hi = mid
			} else {
				lo = binary.BigEndian.Uint64(k) + 1
			}
		}
		pos = lo
		return nil
	})
	return pos
}

// --- GetRecords --------------------------------------------------------

type getRecordsInput struct {
	ShardIterator *string `json:"ShardIterator"`
	Limit         *int64  `json:"Limit"`
	StreamARN     *string `json:"StreamARN"`
}

// record is a record read back, pointing into a read transaction's memory
// only until that transaction ends.
type record struct {
	counter   uint64
	arrivalMs int64
	pk, data  []byte
	encrypted bool
}

type getRecordsResult struct {
	records      []record
	created      int64
	shard        int
	stream       string
	next         string // "" when the shard is closed and read to its end
	pos          uint64 // the first counter not read yet
	behind       bool   // records remain past those read
	millisBehind int64
	children     []childShard
}

// doGetRecords reads records for an iterator. fn runs inside the read
// transaction, while the returned records' memory is valid.
func (s *Service) doGetRecords(in *getRecordsInput, fn func(*getRecordsResult)) *apiError {
	var v validation
	v.intRange(in.Limit, "limit", 1, maxGetRecordsLimit)
	v.notNull(in.ShardIterator != nil, "shardIterator")
	v.optLength(in.ShardIterator, "shardIterator", 1, 512)
	v.streamARN(in.StreamARN)
	if err := v.err(); err != nil {
		return err
	}
	it, err := decodeIterator(s.iterKey, *in.ShardIterator)
	now := s.now()
	nowMs := now.UnixMilli()
	if err != nil || it.issuedMs > nowMs+60_000 {
		return clientErr("InvalidArgumentException", "Invalid ShardIterator.")
	}
	if nowMs-it.issuedMs > iteratorLifetimeMs {
		const layout = "Mon Jan 02 15:04:05 UTC 2006"
		return clientErr("ExpiredIteratorException", "Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			time.UnixMilli(it.issuedMs).UTC().Format(layout), now.UTC().Format(layout), iteratorLifetimeMs)
	}
	limit := maxGetRecordsLimit
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	return s.readShard(it, limit, maxGetRecordsBytes, true, fn)
}

// readShard reads up to limit records and maxBytes of data from an
// iterator's position; GetRecords and SubscribeToShard share it. With
// getRecordsLimits (and EnforceLimits) the shard's GetRecords limits apply.
// fn runs inside the read transaction, while the records' memory is valid.
func (s *Service) readShard(it iterator, limit, maxBytes int, getRecordsLimits bool, fn func(*getRecordsResult)) *apiError {
	now := s.now()
	nowMs := now.UnixMilli()
	limits := getRecordsLimits && s.env.EnforceLimits
	shard := shardName(it.shard)
	st := s.lookup(it.stream)
	if st == nil {
		return s.shardDoesNotExist(shard, it.stream)
	}
	st.mu.Lock()
	sh := st.shard(it.shard)
	if st.gone || sh == nil || st.meta.CreatedMs != it.streamCreatedMs {
		st.mu.Unlock()
		return s.shardDoesNotExist(shard, it.stream)
	}
	if limits && !sh.limiter().allowRead(now) {
		st.mu.Unlock()
		return clientErr("ProvisionedThroughputExceededException", "Rate exceeded for shard %s in stream %s under account %s.", shard, it.stream, s.env.AccountID)
	}
	closed, end := !sh.open(), sh.EndCounter
	cutoff := nowMs - int64(st.meta.RetentionHours)*3600_000
	var children []childShard
	if closed {
		children = st.children(sh)
	}
	st.mu.Unlock()

	txErr := s.env.DB.View(func(tx *bolt.Tx) error {
		res := getRecordsResult{created: it.streamCreatedMs, shard: it.shard, stream: it.stream}
		b := shardBucket(tx, it.stream, it.shard)
		pos := it.pos
		var tip uint64
		if b != nil {
			c := b.Cursor()
			if k, _ := c.Last(); k != nil {
				tip = binary.BigEndian.Uint64(k)
			}
			bytes := 0
			for k, v := c.Seek(counterKey(pos)); k != nil && len(res.records) < limit; k, v = c.Next() {
				arrival, pk, data := decodeRecord(v)
				// A record of the largest size still comes back, alone.
				if bytes+len(data)+len(pk) > maxBytes && len(res.records) > 0 {
					break
				}
				counter := binary.BigEndian.Uint64(k)
				pos = counter + 1
				if arrival < cutoff {
					continue // past retention, not yet trimmed
				}
				bytes += len(data) + len(pk)
				res.records = append(res.records, record{counter: counter, arrivalMs: arrival, pk: pk, data: data, encrypted: recordEncrypted(v)})
			}
			if limits && bytes > 0 {
				st.mu.Lock()
				sh.limiter().chargeRead(now, bytes)
				st.mu.Unlock()
			}
			if pos <= tip {
				res.behind = true
				// Not caught up: the gap to the tip in time.
				from := res.records
				var arr int64
				if len(from) > 0 {
					arr = from[len(from)-1].arrivalMs
				} else if _, v := c.Seek(counterKey(pos)); v != nil {
					arr = recordArrival(v)
				}
				// Never 0 here: 0 says there is nothing more to read.
				res.millisBehind = 1
				if arr > 0 {
					res.millisBehind = max(1, nowMs-arr)
				}
			}
		}
		res.pos = pos
		if closed && pos > end {
			res.children = children
			if res.children == nil {
				res.children = []childShard{}
			}
		} else {
			res.next = encodeIterator(s.iterKey, iterator{streamCreatedMs: it.streamCreatedMs, issuedMs: nowMs, nonce: s.nonce.Add(1), shard: it.shard, pos: pos, stream: it.stream})
		}
		fn(&res)
		return nil
	})
	if txErr != nil {
		return internalFailure()
	}
	return nil
}

type recordOut struct {
	SequenceNumber              string  `json:"SequenceNumber"`
	ApproximateArrivalTimestamp epochMs `json:"ApproximateArrivalTimestamp"`
	Data                        []byte  `json:"Data"`
	PartitionKey                string  `json:"PartitionKey"`
	EncryptionType              string  `json:"EncryptionType,omitempty"`
}

type getRecordsOutput struct {
	Records            []recordOut  `json:"Records"`
	NextShardIterator  *string      `json:"NextShardIterator,omitempty"`
	MillisBehindLatest int64        `json:"MillisBehindLatest"`
	ChildShards        []childShard `json:"ChildShards,omitempty"`
}

func (s *Service) getRecords(c codec, body []byte) (any, *apiError) {
	var in getRecordsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var out getRecordsOutput
	apiErr := s.doGetRecords(&in, func(r *getRecordsResult) {
		out.Records = make([]recordOut, len(r.records))
		for i, rec := range r.records {
			out.Records[i] = recordOut{
				SequenceNumber:              formatSeq(r.created, r.shard, rec.counter),
				ApproximateArrivalTimestamp: epochMs(rec.arrivalMs),
				Data:                        append([]byte(nil), rec.data...),
				PartitionKey:                string(rec.pk),
			}
			if rec.encrypted {
				out.Records[i].EncryptionType = "KMS"
			}
		}
		if r.next != "" {
			out.NextShardIterator = &r.next
		}
		out.MillisBehindLatest = r.millisBehind
		out.ChildShards = r.children
	})
	if apiErr != nil {
		return nil, apiErr
	}
	return out, nil
}
