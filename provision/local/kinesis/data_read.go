package kinesis

import (
	"encoding/binary"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

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
			if pos >= shardEndCounter { // a closed shard's EndingSequenceNumber, or above it
				return nil, clientErr("InvalidArgumentException", "Invalid SequenceNumber for ShardIteratorType AFTER_SEQUENCE_NUMBER, SequenceNumber has reached max possible value for the shard.")
			}
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
		s.env.DB.View(func(tx *store.Tx) error {
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
	s.env.DB.View(func(tx *store.Tx) error {
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
	cutoff := st.meta.retentionCutoff(nowMs)
	var children []childShard
	if closed {
		children = st.children(sh)
	}
	st.mu.Unlock()

	txErr := s.env.DB.View(func(tx *store.Tx) error {
		res := getRecordsResult{created: it.streamCreatedMs, shard: it.shard, stream: it.stream}
		b := shardBucket(tx, it.stream, it.shard)
		pos := it.pos
		var tip uint64
		if b != nil {
			c := b.Cursor()
			if k, _ := c.Last(); k != nil {
				tip = binary.BigEndian.Uint64(k)
			}
			if tip >= pos {
				// Sized once: appending page by page copied the records
				// a dozen times for a 10 000-record answer.
				res.records = make([]record, 0, min(uint64(limit), tip-pos+1))
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
		// A closed shard takes no more records: past its newest one it is
		// read to the end, even where an older spk recorded an
		// EndCounter beyond it.
		if closed && (pos > end || pos > tip) {
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
