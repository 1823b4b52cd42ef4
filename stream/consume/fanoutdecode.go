package consume

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/schemas"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// eventProtocol is a subscription's protocol: the client's, except that the
// SubscribeToShardEvent messages of the event stream are decoded here, into
// buffers the subscription keeps, with a JSON reader written for that one
// shape. The SDK's decoder grows a fresh payload buffer for every message
// (zeroing and copying megabytes per event) and reads the payload with a
// generic JSON reader; that was most of a fan-out consumer's CPU. Every
// other message, and any event this reader does not recognise in full (an
// escaped string, an unknown member, ChildShards, CBOR), goes to the
// client's own decoder, from the same bytes.
//
// A decoded event's records live in buffers (eventBufs) that the reader
// hands back with release once it has counted them, and the next event is
// decoded into them: a subscription then allocates little more than one
// string per event, and the consumer's heap stays near what its events in
// flight hold.
type eventProtocol struct {
	smithyhttp.ClientProtocol
	frame []byte // the message being decoded

	mu   sync.Mutex
	free []*eventBufs                 // released buffers, for the next events
	held map[*types.Record]*eventBufs // events not yet released, by their first record
}

// maxFreeBufs is how many released buffers a subscription keeps: the event
// being decoded and the one being counted.
const maxFreeBufs = 2

func newEventProtocol() *eventProtocol {
	return &eventProtocol{ClientProtocol: awsjson.New11(schemas.Kinesis_20131202), held: map[*types.Record]*eventBufs{}}
}

// maxFastFrame bounds the messages read into the subscription's buffer
// (an event holds at most a few MiB).
const maxFastFrame = 32 << 20

func (p *eventProtocol) DeserializeEventMessage(schema *smithy.Schema, reg *smithy.TypeRegistry, r io.Reader) (smithy.Deserializable, error) {
	var prelude [12]byte
	if n, err := io.ReadFull(r, prelude[:]); err != nil {
		if n == 0 {
			return p.ClientProtocol.DeserializeEventMessage(schema, reg, bytes.NewReader(nil))
		}
		return p.ClientProtocol.DeserializeEventMessage(schema, reg, io.MultiReader(bytes.NewReader(prelude[:n]), r))
	}
	total := int(binary.BigEndian.Uint32(prelude[0:4]))
	if total < 16 || total > maxFastFrame || crc32.ChecksumIEEE(prelude[:8]) != binary.BigEndian.Uint32(prelude[8:12]) {
		return p.ClientProtocol.DeserializeEventMessage(schema, reg, io.MultiReader(bytes.NewReader(prelude[:]), r))
	}
	if cap(p.frame) < total {
		p.frame = make([]byte, withSlack(total))
	}
	frame := p.frame[:total]
	copy(frame, prelude[:])
	if n, err := io.ReadFull(r, frame[12:]); err != nil {
		return p.ClientProtocol.DeserializeEventMessage(schema, reg, io.MultiReader(bytes.NewReader(frame[:12+n]), r))
	}
	bufs := p.take()
	if ev := fastEvent(frame, bufs); ev != nil {
		p.hold(ev, bufs)
		return ev, nil
	}
	p.put(bufs)
	return p.ClientProtocol.DeserializeEventMessage(schema, reg, bytes.NewReader(frame))
}

// take returns released buffers, or new empty ones.
func (p *eventProtocol) take() *eventBufs {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free = p.free[:n-1]
		return b
	}
	return &eventBufs{}
}

// put keeps buffers for the next event, up to maxFreeBufs.
func (p *eventProtocol) put(b *eventBufs) {
	b.reset()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < maxFreeBufs {
		p.free = append(p.free, b)
	}
}

// hold notes that ev's records live in b until release.
func (p *eventProtocol) hold(ev *types.SubscribeToShardEvent, b *eventBufs) {
	if len(ev.Records) == 0 {
		p.put(b)
		return
	}
	p.mu.Lock()
	p.held[&ev.Records[0]] = b
	p.mu.Unlock()
}

// release hands back the buffers of an event decoded here: its records,
// their data and texts must not be used after it. An event the SDK
// decoded, or one already released, is ignored. Buffers of events never
// released (a subscription closed with an event in flight) go with the
// subscription.
func (p *eventProtocol) release(ev *types.SubscribeToShardEvent) {
	if len(ev.Records) == 0 {
		return
	}
	p.mu.Lock()
	b, ok := p.held[&ev.Records[0]]
	delete(p.held, &ev.Records[0])
	p.mu.Unlock()
	if ok {
		p.put(b)
	}
}

// eventBufs hold one decoded event's records: the records, their data in
// one slab, and their sequence numbers, partition keys and arrival times,
// to which the records point.
type eventBufs struct {
	records []types.Record
	data    []byte
	seqs    []string
	keys    []string
	times   []time.Time
	texts   []byte   // the sequence numbers and partition keys, then one string
	at      []textAt // where each record's texts are in texts
}

// textAt is where a record's sequence number and partition key are in
// eventBufs.texts, while the event is read.
type textAt struct {
	seq, key       [2]int
	hasSeq, hasKey bool
}

// reset drops what the last event left, keeping the capacity. The records
// are cleared so that the buffers do not keep its texts alive.
func (b *eventBufs) reset() {
	clear(b.records)
	clear(b.seqs)
	clear(b.keys)
	b.records, b.data, b.seqs, b.keys, b.times, b.texts, b.at = b.records[:0], b.data[:0], b.seqs[:0], b.keys[:0], b.times[:0], b.texts[:0], b.at[:0]
}

// fastEvent decodes a whole message if it is a SubscribeToShardEvent in
// JSON that decodeEvent reads in full; otherwise it returns nil.
func fastEvent(frame []byte, bufs *eventBufs) *types.SubscribeToShardEvent {
	total := len(frame)
	headersLen := int(binary.BigEndian.Uint32(frame[4:8]))
	if headersLen > total-16 || crc32.ChecksumIEEE(frame[:total-4]) != binary.BigEndian.Uint32(frame[total-4:]) {
		return nil
	}
	var msgType, eventType, contentType string
	for h := frame[12 : 12+headersLen]; len(h) > 0; {
		// name length, name, value type, then for a string (7) its length
		// and value; any other type of header is left to the SDK.
		n := int(h[0])
		if len(h) < 1+n+3 || h[1+n] != 7 {
			return nil
		}
		name := h[1 : 1+n]
		vlen := int(binary.BigEndian.Uint16(h[2+n : 4+n]))
		if len(h) < 4+n+vlen {
			return nil
		}
		value := h[4+n : 4+n+vlen]
		switch string(name) {
		case ":message-type":
			msgType = string(value)
		case ":event-type":
			eventType = string(value)
		case ":content-type":
			contentType = string(value)
		}
		h = h[4+n+vlen:]
	}
	if msgType != "event" || eventType != "SubscribeToShardEvent" || (contentType != "" && contentType != "application/json") {
		return nil
	}
	ev := &types.SubscribeToShardEvent{}
	if !decodeEvent(frame[12+headersLen:total-4], ev, bufs) {
		return nil
	}
	return ev
}

// jsonReader reads the JSON of one SubscribeToShardEvent. Any token it does
// not expect makes it fail, and the event is then decoded by the SDK.
type jsonReader struct {
	b   []byte
	i   int
	bad bool
}

func (j *jsonReader) ws() {
	for j.i < len(j.b) {
		switch j.b[j.i] {
		case ' ', '\t', '\n', '\r':
			j.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0.
func (j *jsonReader) peek() byte {
	j.ws()
	if j.i >= len(j.b) {
		return 0
	}
	return j.b[j.i]
}

func (j *jsonReader) expect(c byte) {
	if j.peek() != c {
		j.bad = true
		return
	}
	j.i++
}

// str reads a string without escapes; the bytes are the input's.
func (j *jsonReader) str() []byte {
	if j.peek() != '"' {
		j.bad = true
		return nil
	}
	j.i++
	start := j.i
	for j.i < len(j.b) {
		c := j.b[j.i]
		if c == '"' {
			s := j.b[start:j.i]
			j.i++
			return s
		}
		if c == '\\' || c < 0x20 {
			j.bad = true
			return nil
		}
		j.i++
	}
	j.bad = true
	return nil
}

// null reads a null if there is one.
func (j *jsonReader) null() bool {
	if j.peek() == 'n' && bytes.HasPrefix(j.b[j.i:], []byte("null")) {
		j.i += 4
		return true
	}
	return false
}

func (j *jsonReader) number() []byte {
	j.ws()
	start := j.i
	for j.i < len(j.b) {
		c := j.b[j.i]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			j.i++
			continue
		}
		break
	}
	if j.i == start {
		j.bad = true
	}
	return j.b[start:j.i]
}

// object calls member for each member of an object; member reads the value.
func (j *jsonReader) object(member func(name []byte)) {
	j.expect('{')
	if j.peek() == '}' {
		j.i++
		return
	}
	for !j.bad {
		name := j.str()
		j.expect(':')
		if j.bad {
			return
		}
		member(name)
		switch j.peek() {
		case ',':
			j.i++
		case '}':
			j.i++
			return
		default:
			j.bad = true
		}
	}
}

// decodeEvent reads a SubscribeToShardEvent's JSON into ev, as the SDK
// would, and reports whether it could. The records are built in bufs.
func decodeEvent(b []byte, ev *types.SubscribeToShardEvent, bufs *eventBufs) bool {
	j := &jsonReader{b: b}
	recs := bufs.records[:0]
	// A record's texts are noted as offsets into bufs.texts, which becomes
	// one string once every record is read.
	at := bufs.at[:0]
	j.object(func(name []byte) {
		switch string(name) {
		case "Records":
			if j.null() {
				return
			}
			j.expect('[')
			if j.peek() == ']' {
				j.i++
				ev.Records = []types.Record{}
				return
			}
			// Size the buffers from the payload: the base64 in it is at
			// most this long, and every record has a SequenceNumber.
			if need := base64.StdEncoding.DecodedLen(len(b)); cap(bufs.data) < need {
				bufs.data = make([]byte, 0, withSlack(need))
			}
			if n := bytes.Count(b[j.i:], []byte(`"SequenceNumber"`)); cap(recs) < n {
				n = withSlack(n)
				recs = make([]types.Record, 0, n)
				at = make([]textAt, 0, n)
				bufs.times = make([]time.Time, 0, n)
			}
			for !j.bad {
				// Read in place: a record or offsets on the stack would
				// escape into the reader's closure, two allocations each.
				recs, at = append(recs, types.Record{}), append(at, textAt{})
				j.record(&recs[len(recs)-1], &at[len(at)-1], bufs)
				switch j.peek() {
				case ',':
					j.i++
				case ']':
					j.i++
					ev.Records = recs
					return
				default:
					j.bad = true
				}
			}
		case "ContinuationSequenceNumber":
			if !j.null() {
				ev.ContinuationSequenceNumber = ptr(string(j.str()))
			}
		case "MillisBehindLatest":
			if !j.null() {
				n, err := strconv.ParseInt(string(j.number()), 10, 64)
				if err != nil {
					j.bad = true
				}
				ev.MillisBehindLatest = &n
			}
		default: // ChildShards, or a member unknown here
			j.bad = true
		}
	})
	j.ws()
	bufs.records, bufs.at = recs, at
	if j.bad || j.i != len(j.b) {
		return false
	}
	if len(ev.Records) == 0 {
		return true
	}
	// Point each record at its texts and arrival time, kept in bufs.
	texts := string(bufs.texts)
	bufs.seqs, bufs.keys = grow(bufs.seqs, len(recs)), grow(bufs.keys, len(recs))
	for i := range recs {
		if a := at[i]; a.hasSeq {
			bufs.seqs[i] = texts[a.seq[0]:a.seq[1]]
			recs[i].SequenceNumber = &bufs.seqs[i]
		}
		if a := at[i]; a.hasKey {
			bufs.keys[i] = texts[a.key[0]:a.key[1]]
			recs[i].PartitionKey = &bufs.keys[i]
		}
	}
	return true
}

// withSlack is a buffer size for n: a quarter more, so that events a little
// larger than the last do not each need new buffers.
func withSlack(n int) int { return n + n/4 }

// grow returns s with length n, reusing its capacity.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, withSlack(n))
	}
	return s[:n]
}

// record reads one record into rec: its data into bufs.data, its sequence
// number and partition key into bufs.texts (their offsets go to at) and
// its arrival time into bufs.times.
func (j *jsonReader) record(rec *types.Record, at *textAt, bufs *eventBufs) {
	j.object(func(name []byte) {
		if j.null() {
			return
		}
		switch string(name) {
		case "SequenceNumber":
			s := j.str()
			at.seq[0] = len(bufs.texts)
			bufs.texts = append(bufs.texts, s...)
			at.seq[1], at.hasSeq = len(bufs.texts), true
		case "ApproximateArrivalTimestamp":
			f, err := strconv.ParseFloat(string(j.number()), 64)
			if err != nil {
				j.bad = true
				return
			}
			if len(bufs.times) == cap(bufs.times) {
				// A new array: records already read keep pointing into
				// the old one, which they keep alive.
				bufs.times = make([]time.Time, 0, max(2*cap(bufs.times), 64))
			}
			bufs.times = append(bufs.times, epochSeconds(f))
			rec.ApproximateArrivalTimestamp = &bufs.times[len(bufs.times)-1]
		case "Data":
			s := j.str()
			if j.bad {
				return
			}
			data := bufs.data
			n := len(data)
			if cap(data)-n < base64.StdEncoding.DecodedLen(len(s)) {
				j.bad = true
				return
			}
			m, err := base64.StdEncoding.Decode(data[n:cap(data)], s)
			if err != nil {
				j.bad = true
				return
			}
			rec.Data = data[n : n+m : n+m]
			bufs.data = data[:n+m]
		case "PartitionKey":
			s := j.str()
			at.key[0] = len(bufs.texts)
			bufs.texts = append(bufs.texts, s...)
			at.key[1], at.hasKey = len(bufs.texts), true
		case "EncryptionType":
			rec.EncryptionType = types.EncryptionType(j.str())
		default:
			j.bad = true
		}
	})
}

func ptr[T any](v T) *T { return &v }

// epochSeconds is the SDK's ParseEpochSeconds without its big.Float, which
// costs two allocations per record: a product of two float64 values
// rounded to 53 bits, as big.Float rounds it at that precision, then cut
// to whole milliseconds.
func epochSeconds(f float64) time.Time {
	return time.Unix(0, int64(f*1e3)*1e6).UTC()
}
