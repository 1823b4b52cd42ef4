package consume

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// rawPage is one page of records as the endpoint sent it — the JSON of a
// GetRecords answer or of a SubscribeToShardEvent — in a buffer of the
// consumer's page pool, with each record's data base64-decoded in place
// (the decoded bytes are shorter than their text, so they fit where it
// stood). Its records are handed out one at a time as they are counted,
// from offsets: a page costs its buffer and a few words per record, where
// the SDK's decoder allocates the records, their strings and their data
// anew for every page.
type rawPage struct {
	buf     []byte // the page's JSON, to which the offsets point
	own     []byte // the pool's buffer holding it, to give back
	recs    []pageRecord
	textLen int     // bytes of every record's sequence number and partition key
	next    *string // NextShardIterator or ContinuationSequenceNumber
	behind  *int64  // MillisBehindLatest
	hasRecs bool    // Records was there (not absent nor null)
}

// pageRecord is where one record's members are in its page's buffer.
type pageRecord struct {
	data, seq, key span
	at             float64 // ApproximateArrivalTimestamp, epoch seconds
	has            uint8   // which members the record has
	enc            uint8   // EncryptionType: 1 NONE, 2 KMS
}

type span struct{ from, to int32 }

const (
	hasData = 1 << iota
	hasSeq
	hasKey
	hasEnc
	hasAt
)

// maxPageBytes bounds the pages read here (offsets are 32-bit; a GetRecords
// answer is at most about 14 MB, an event a few).
const maxPageBytes = 64 << 20

// parsePage reads body, the JSON of a page whose next position is the
// member nextName, into pg, and reports whether it could. It reports false
// when the page has anything it does not read in full (an escaped string,
// an unknown member, ChildShards): the SDK's decoder then reads it. body is
// left as it was; decodeData then decodes the records' data in it.
func parsePage(body []byte, nextName string, pg *rawPage) bool {
	if len(body) > maxPageBytes {
		return false
	}
	pg.recs, pg.textLen, pg.next, pg.behind, pg.hasRecs = pg.recs[:0], 0, nil, nil, false
	j := &jsonReader{b: body}
	j.object(func(name []byte) {
		switch string(name) {
		case "Records":
			if j.null() {
				return
			}
			pg.hasRecs = true
			j.expect('[')
			if j.peek() == ']' {
				j.i++
				return
			}
			for !j.bad {
				pg.recs = append(pg.recs, pageRecord{})
				j.pageRecord(&pg.recs[len(pg.recs)-1], &pg.textLen)
				switch j.peek() {
				case ',':
					j.i++
				case ']':
					j.i++
					return
				default:
					j.bad = true
				}
			}
		case nextName:
			if !j.null() {
				pg.next = ptr(string(j.str()))
			}
		case "MillisBehindLatest":
			if !j.null() {
				n, err := strconv.ParseInt(string(j.number()), 10, 64)
				if err != nil {
					j.bad = true
				}
				pg.behind = &n
			}
		default: // ChildShards, or a member unknown here
			j.bad = true
		}
	})
	j.ws()
	return !j.bad && j.i == len(body)
}

// decodeData decodes every record's data in body, the page parsePage read,
// in place, and makes body the page's. An invalid base64 text, which the
// SDK refuses too, is an error; body is then spoilt.
func (pg *rawPage) decodeData(body []byte) error {
	// Decode the data in place, in chunks through a small buffer: each
	// chunk is read before its shorter output is written at or before it.
	var chunk [3 << 10]byte
	for i := range pg.recs {
		r := &pg.recs[i]
		if r.has&hasData == 0 {
			continue
		}
		w := int(r.data.from)
		for from := int(r.data.from); from < int(r.data.to); from += 4 << 10 {
			n, err := base64.StdEncoding.Decode(chunk[:], body[from:min(from+4<<10, int(r.data.to))])
			if err != nil {
				return errors.New("a record's Data is not valid base64: " + err.Error())
			}
			w += copy(body[w:], chunk[:n])
		}
		r.data.to = int32(w)
	}
	pg.buf = body
	return nil
}

// pageRecord reads one record's members into r, noting where they are.
func (j *jsonReader) pageRecord(r *pageRecord, textLen *int) {
	j.object(func(name []byte) {
		if j.null() {
			return
		}
		switch string(name) {
		case "SequenceNumber":
			r.seq = j.span(j.str())
			r.has |= hasSeq
			*textLen += int(r.seq.to - r.seq.from)
		case "PartitionKey":
			r.key = j.span(j.str())
			r.has |= hasKey
			*textLen += int(r.key.to - r.key.from)
		case "Data":
			r.data = j.span(j.str())
			r.has |= hasData
		case "EncryptionType":
			// The two there are; another is the SDK's to read.
			switch string(j.str()) {
			case string(types.EncryptionTypeNone):
				r.enc = 1
			case string(types.EncryptionTypeKms):
				r.enc = 2
			default:
				j.bad = true
			}
			r.has |= hasEnc
		case "ApproximateArrivalTimestamp":
			f, err := strconv.ParseFloat(string(j.number()), 64)
			if err != nil {
				j.bad = true
				return
			}
			r.at, r.has = f, r.has|hasAt
		default:
			j.bad = true
		}
	})
}

// span is where s, a slice of the reader's input just read, stands in it.
func (j *jsonReader) span(s []byte) span {
	return span{int32(j.i - 1 - len(s)), int32(j.i - 1)}
}

// recordScratch is the record a page hands out, reused for each.
type recordScratch struct {
	rec      types.Record
	seq, key string
	at       time.Time
}

// each hands every record of the page to add, in order, and returns how
// many. The record and its data are valid only during add; its sequence
// number and partition key are strings of their own (one allocation for
// the whole page), which the batches may keep.
func (pg *rawPage) each(s *recordScratch, add func(*types.Record)) int {
	var b strings.Builder
	b.Grow(pg.textLen)
	for i := range pg.recs {
		r := &pg.recs[i]
		b.Write(pg.buf[r.seq.from:r.seq.to])
		b.Write(pg.buf[r.key.from:r.key.to])
	}
	texts := b.String()
	at := 0
	for i := range pg.recs {
		r := &pg.recs[i]
		s.rec = types.Record{}
		if r.has&hasData != 0 {
			s.rec.Data = pg.buf[r.data.from:r.data.to:r.data.to]
		}
		n := int(r.seq.to - r.seq.from)
		if r.has&hasSeq != 0 {
			s.seq = texts[at : at+n]
			s.rec.SequenceNumber = &s.seq
		}
		at += n
		n = int(r.key.to - r.key.from)
		if r.has&hasKey != 0 {
			s.key = texts[at : at+n]
			s.rec.PartitionKey = &s.key
		}
		at += n
		if r.has&hasEnc != 0 {
			s.rec.EncryptionType = [...]types.EncryptionType{1: types.EncryptionTypeNone, 2: types.EncryptionTypeKms}[r.enc]
		}
		if r.has&hasAt != 0 {
			s.at = epochSeconds(r.at)
			s.rec.ApproximateArrivalTimestamp = &s.at
		}
		add(&s.rec)
	}
	return len(pg.recs)
}

// records copies the page's records out, as the SDK would have decoded
// them (for tests and for callers that keep them).
func (pg *rawPage) records() []types.Record {
	var out []types.Record
	if pg.hasRecs {
		out = []types.Record{}
	}
	var s recordScratch
	pg.each(&s, func(r *types.Record) {
		c := *r
		c.Data = append([]byte{}, r.Data...)
		if r.SequenceNumber != nil {
			c.SequenceNumber = ptr(*r.SequenceNumber)
		}
		if r.PartitionKey != nil {
			c.PartitionKey = ptr(*r.PartitionKey)
		}
		if r.ApproximateArrivalTimestamp != nil {
			c.ApproximateArrivalTimestamp = ptr(*r.ApproximateArrivalTimestamp)
		}
		out = append(out, c)
	})
	return out
}
