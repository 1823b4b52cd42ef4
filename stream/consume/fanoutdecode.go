package consume

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/schemas"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// eventProtocol is a subscription's protocol: the client's, except that the
// SubscribeToShardEvent messages of the event stream are read here, each
// into a buffer of the consumer's page pool (rawPage), its records decoded
// in place and handed out from there as the reader counts them. The SDK's
// decoder grows a fresh payload buffer for every message and allocates
// every record's data and strings; that was most of a fan-out consumer's
// CPU and memory. Every other message, and any event this reader does not
// recognise in full (an escaped string, an unknown member, ChildShards,
// CBOR), goes to the client's own decoder, from the same bytes.
//
// An event read here comes out with no Records; its page is held, under its
// MillisBehindLatest pointer (which survives the SDK's copy of the event),
// until the reader takes it and gives it back (page, done). The pool's
// budget bounds the events all subscriptions read ahead: a subscription
// whose next event does not fit waits, as the server's flow control then
// holds the rest.
type eventProtocol struct {
	smithyhttp.ClientProtocol
	ctx   context.Context // the subscription's: ends a wait for the budget
	pages *pagePool

	mu     sync.Mutex
	held   map[*int64]*rawPage // events read here and not yet done
	closed bool
}

// maxFastFrame bounds the messages read into a page (an event holds at
// most a few MiB).
const maxFastFrame = 32 << 20

func newEventProtocol(ctx context.Context, pages *pagePool) *eventProtocol {
	return &eventProtocol{ClientProtocol: awsjson.New11(schemas.Kinesis_20131202), ctx: ctx, pages: pages, held: map[*int64]*rawPage{}}
}

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
	frame, err := p.pages.get(p.ctx, total)
	if err != nil {
		return nil, err
	}
	copy(frame, prelude[:])
	if n, err := io.ReadFull(r, frame[12:]); err != nil {
		ev, err := p.ClientProtocol.DeserializeEventMessage(schema, reg, io.MultiReader(bytes.NewReader(frame[:12+n]), r))
		p.pages.put(frame)
		return ev, err
	}
	pg := p.pages.page()
	ev, err := fastEvent(frame, pg)
	switch {
	case err != nil:
		p.pages.put(frame)
		p.pages.recycle(pg)
		return nil, &smithy.DeserializationError{Err: err}
	case ev == nil:
		ev, err := p.ClientProtocol.DeserializeEventMessage(schema, reg, bytes.NewReader(frame))
		p.pages.put(frame)
		p.pages.recycle(pg)
		return ev, err
	}
	p.hold(ev, pg)
	return ev, nil
}

// hold keeps ev's page until the reader is done with it; an event without
// records gives its buffer back at once.
func (p *eventProtocol) hold(ev *types.SubscribeToShardEvent, pg *rawPage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(pg.recs) == 0 || p.closed {
		p.pages.recycle(pg)
		return
	}
	p.held[ev.MillisBehindLatest] = pg
}

// take returns the page of an event read here, or nil for one the SDK
// decoded (its Records are the records).
func (p *eventProtocol) take(ev *types.SubscribeToShardEvent) *rawPage {
	if ev.MillisBehindLatest == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held[ev.MillisBehindLatest]
}

// done gives back the page of an event once it is counted: its records and
// their data must not be used after.
func (p *eventProtocol) done(ev *types.SubscribeToShardEvent) {
	if ev.MillisBehindLatest == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if pg, ok := p.held[ev.MillisBehindLatest]; ok {
		delete(p.held, ev.MillisBehindLatest)
		p.pages.recycle(pg)
	}
}

// close gives back the pages of events never counted (the subscription
// ended with events in flight), and those read after.
func (p *eventProtocol) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for k, pg := range p.held {
		delete(p.held, k)
		p.pages.recycle(pg)
	}
}

// fastEvent reads a whole message into pg if it is a SubscribeToShardEvent
// in JSON that parsePage reads in full, and returns the event, without its
// records (they are pg's); otherwise it returns nil, leaving frame as it
// was. An error says that the event's data is not valid base64.
func fastEvent(frame []byte, pg *rawPage) (*types.SubscribeToShardEvent, error) {
	total := len(frame)
	headersLen := int(binary.BigEndian.Uint32(frame[4:8]))
	if headersLen > total-16 || crc32.ChecksumIEEE(frame[:total-4]) != binary.BigEndian.Uint32(frame[total-4:]) {
		return nil, nil
	}
	var msgType, eventType, contentType string
	for h := frame[12 : 12+headersLen]; len(h) > 0; {
		// name length, name, value type, then for a string (7) its length
		// and value; any other type of header is left to the SDK.
		n := int(h[0])
		if len(h) < 1+n+3 || h[1+n] != 7 {
			return nil, nil
		}
		name := h[1 : 1+n]
		vlen := int(binary.BigEndian.Uint16(h[2+n : 4+n]))
		if len(h) < 4+n+vlen {
			return nil, nil
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
		return nil, nil
	}
	body := frame[12+headersLen : total-4]
	if !parsePage(body, "ContinuationSequenceNumber", pg) || pg.behind == nil {
		// Without MillisBehindLatest (which AWS always sends), the event
		// has nothing to hold its page by: the SDK reads it.
		return nil, nil
	}
	if err := pg.decodeData(body); err != nil {
		return nil, err
	}
	pg.own = frame
	ev := &types.SubscribeToShardEvent{ContinuationSequenceNumber: pg.next, MillisBehindLatest: pg.behind}
	if pg.hasRecs && len(pg.recs) == 0 {
		ev.Records = []types.Record{}
	}
	return ev, nil
}

func ptr[T any](v T) *T { return &v }

// epochSeconds is the SDK's ParseEpochSeconds without its big.Float, which
// costs two allocations per record: a product of two float64 values
// rounded to 53 bits, as big.Float rounds it at that precision, then cut
// to whole milliseconds.
func epochSeconds(f float64) time.Time {
	return time.Unix(0, int64(f*1e3)*1e6).UTC()
}
