package kinesis

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// PutRecords and GetRecords carry nearly all of the traffic; their JSON
// responses are written by hand, without reflection or per-record
// allocations.

// servePutRecordsJSON serves PutRecords in JSON.
func (s *Service) servePutRecordsJSON(w http.ResponseWriter, c codec, body []byte) {
	var in putRecordsInput
	if !decodePutRecordsFast(body, &in) {
		in = putRecordsInput{}
		if err := c.decode(body, &in); err != nil {
			c.writeError(w, serializationErr(err))
			return
		}
		markMissingKeys(c, body, &in)
	}
	st, res, apiErr := s.doPutRecords(&in)
	if apiErr != nil {
		c.writeError(w, apiErr)
		return
	}
	created := st.createdMs()
	failed := 0
	for _, r := range res {
		if r.errCode != "" {
			failed++
		}
	}
	// 111 bytes a record: the member names, a 56-digit sequence number
	// and a 12-digit shard number. Failed records are shorter.
	out := make([]byte, 0, 64+len(res)*111)
	out = append(out, `{"FailedRecordCount":`...)
	out = strconv.AppendInt(out, int64(failed), 10)
	out = append(out, `,"Records":[`...)
	for i, r := range res {
		if i > 0 {
			out = append(out, ',')
		}
		if r.errCode != "" {
			out = append(out, `{"ErrorCode":`...)
			out = appendJSONString(out, r.errCode)
			out = append(out, `,"ErrorMessage":`...)
			out = appendJSONString(out, r.errMsg)
			out = append(out, '}')
			continue
		}
		out = append(out, `{"SequenceNumber":"`...)
		out = appendSeq(out, created, r.shard, r.counter)
		out = append(out, `","ShardId":"shardId-`...)
		out = appendPadded(out, uint64(r.shard), 12)
		out = append(out, `"}`...)
	}
	out = append(out, `],"EncryptionType":"`...)
	out = append(out, putEncryption(res)...)
	out = append(out, `"}`...)
	c.writeRaw(w, http.StatusOK, out)
}

// serveGetRecordsJSON serves GetRecords in JSON.
func (s *Service) serveGetRecordsJSON(w http.ResponseWriter, c codec, body []byte) {
	var in getRecordsInput
	if err := c.decode(body, &in); err != nil {
		c.writeError(w, serializationErr(err))
		return
	}
	var out []byte
	apiErr := s.doGetRecords(&in, func(r *getRecordsResult) {
		out = takeAnswer(256 + recordsJSONSize(r))
		out = append(out, `{"Records":`...)
		out = appendRecordsJSON(out, r)
		if r.next != "" {
			out = append(out, `,"NextShardIterator":"`...)
			out = append(out, r.next...)
			out = append(out, '"')
		}
		out = append(out, `,"MillisBehindLatest":`...)
		out = strconv.AppendInt(out, r.millisBehind, 10)
		if r.children != nil {
			children, _ := json.Marshal(r.children)
			out = append(out, `,"ChildShards":`...)
			out = append(out, children...)
		}
		out = append(out, '}')
	})
	if apiErr != nil {
		c.writeError(w, apiErr)
		return
	}
	c.writeRaw(w, http.StatusOK, out)
	giveAnswer(out) // written: Write returns once its bytes are copied or sent
}

// answers keeps GetRecords answers' buffers for the next answer: a full
// page is some megabytes, and a fresh buffer is zeroed before it is
// written, which costs about as much as writing it.
var answers sync.Pool

// maxPooledAnswer bounds the buffers kept: a page of records at its
// largest (10 MiB of data, base64) is not kept.
const maxPooledAnswer = 4 << 20

func takeAnswer(size int) []byte {
	if p, ok := answers.Get().(*[]byte); ok && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]byte, 0, size)
}

func giveAnswer(b []byte) {
	if cap(b) <= maxPooledAnswer {
		answers.Put(&b)
	}
}

// recordJSONOverhead bounds what appendRecordsJSON writes for a record
// besides its data and partition key: the member names and punctuation
// (104 bytes with the encryption type), a 56-digit sequence number and an
// arrival time of at most 24 characters. A bound too small by one byte
// makes the last append copy the whole answer to a buffer twice its size.
const recordJSONOverhead = 104 + 56 + 24

// recordsJSONSize bounds the length of appendRecordsJSON's output (a
// partition key with characters JSON escapes can exceed it).
func recordsJSONSize(r *getRecordsResult) int {
	size := 2
	for _, rec := range r.records {
		size += recordJSONOverhead + len(rec.pk) + base64.StdEncoding.EncodedLen(len(rec.data))
	}
	return size
}

// appendRecordsJSON appends the JSON array of a read's records, as
// GetRecords and SubscribeToShardEvent carry them.
func appendRecordsJSON(out []byte, r *getRecordsResult) []byte {
	out = append(out, '[')
	for i, rec := range r.records {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"SequenceNumber":"`...)
		out = appendSeq(out, r.created, r.shard, rec.counter)
		out = append(out, `","ApproximateArrivalTimestamp":`...)
		out = strconv.AppendFloat(out, seconds(rec.arrivalMs), 'f', -1, 64)
		out = append(out, `,"Data":"`...)
		out = base64.StdEncoding.AppendEncode(out, rec.data)
		out = append(out, `","PartitionKey":`...)
		out = appendJSONBytes(out, rec.pk)
		if rec.encrypted {
			out = append(out, `,"EncryptionType":"KMS"`...)
		}
		out = append(out, '}')
	}
	return append(out, ']')
}

func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func appendJSONBytes(dst []byte, s []byte) []byte {
	for _, c := range s {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b, _ := json.Marshal(string(s))
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
