package consume

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"io"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	smithytime "github.com/aws/smithy-go/time"
	smithyhttp "github.com/aws/smithy-go/transport/http"
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
type eventProtocol struct {
	smithyhttp.ClientProtocol
	frame []byte // the message being decoded
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
		p.frame = make([]byte, total)
	}
	frame := p.frame[:total]
	copy(frame, prelude[:])
	if n, err := io.ReadFull(r, frame[12:]); err != nil {
		return p.ClientProtocol.DeserializeEventMessage(schema, reg, io.MultiReader(bytes.NewReader(frame[:12+n]), r))
	}
	if ev := fastEvent(frame); ev != nil {
		return ev, nil
	}
	return p.ClientProtocol.DeserializeEventMessage(schema, reg, bytes.NewReader(frame))
}

// fastEvent decodes a whole message if it is a SubscribeToShardEvent in
// JSON that decodeEvent reads in full; otherwise it returns nil.
func fastEvent(frame []byte) *types.SubscribeToShardEvent {
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
	if !decodeEvent(frame[12+headersLen:total-4], ev) {
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
// would, and reports whether it could.
func decodeEvent(b []byte, ev *types.SubscribeToShardEvent) bool {
	j := &jsonReader{b: b}
	// The records' data go into one allocation.
	var data []byte
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
			// Size the data slab from the payload: the base64 in it is
			// at most this long.
			if data == nil {
				data = make([]byte, 0, base64.StdEncoding.DecodedLen(len(b)))
				// Every record has a SequenceNumber: at most this many.
				ev.Records = make([]types.Record, 0, bytes.Count(b[j.i:], []byte(`"SequenceNumber"`)))
			}
			for !j.bad {
				var rec types.Record
				data = j.record(&rec, data)
				ev.Records = append(ev.Records, rec)
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
	return !j.bad && j.i == len(j.b)
}

func (j *jsonReader) record(rec *types.Record, data []byte) []byte {
	j.object(func(name []byte) {
		if j.null() {
			return
		}
		switch string(name) {
		case "SequenceNumber":
			rec.SequenceNumber = ptr(string(j.str()))
		case "ApproximateArrivalTimestamp":
			f, err := strconv.ParseFloat(string(j.number()), 64)
			if err != nil {
				j.bad = true
				return
			}
			t := smithytime.ParseEpochSeconds(f)
			rec.ApproximateArrivalTimestamp = &t
		case "Data":
			s := j.str()
			if j.bad {
				return
			}
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
			data = data[:n+m]
		case "PartitionKey":
			rec.PartitionKey = ptr(string(j.str()))
		case "EncryptionType":
			rec.EncryptionType = types.EncryptionType(j.str())
		default:
			j.bad = true
		}
	})
	return data
}

func ptr[T any](v T) *T { return &v }
