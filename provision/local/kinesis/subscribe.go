package kinesis

import (
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/fxamacker/cbor/v2"
)

// SubscribeToShard answers with an event stream (the AWS event stream
// binary framing, Content-Type application/vnd.amazon.eventstream) over
// HTTP/1.1 or HTTP/2:
//
//   - first an "initial-response" event with an empty payload;
//   - then SubscribeToShardEvent events: one as soon as the subscription
//     starts, one as soon as records are there to send (a put wakes the
//     subscription), and one every second when there are none;
//   - an exception message (:message-type exception) when the subscription
//     fails: ResourceNotFoundException (stream, shard or consumer gone),
//     ResourceInUseException (another subscription took over),
//     InternalFailureException.
//
// A subscription ends cleanly after five minutes, when the shard is closed
// and read to its end (the last event carries ChildShards), when the client
// goes away, or when the endpoint shuts down.

const (
	// subscriptionHeartbeat is how often an event is sent when there are no
	// records (AWS sends one at least every 5 seconds).
	subscriptionHeartbeat = time.Second
	// resubscribeWindow is how long after a successful SubscribeToShard the
	// same consumer cannot subscribe to the same shard again.
	resubscribeWindow = 5 * time.Second
	// subscriptionEventBytes caps the record data of one event.
	subscriptionEventBytes = readBytesPerSec
	eventStreamContentType = "application/vnd.amazon.eventstream"
)

// servedSubscriptions counts the subscriptions being served in this
// process, by every Service.
var servedSubscriptions atomic.Int64

// subscriptionLifetime is how long a subscription lasts (AWS: 5 minutes);
// tests shorten it.
var subscriptionLifetime = 5 * time.Minute

type subKey struct {
	consumer string // consumer ARN
	shard    int
}

type waitKey struct {
	stream string
	shard  int
}

// subscriptions is the service's enhanced fan-out state.
type subscriptions struct {
	mu       sync.Mutex
	latest   map[subKey]*subscription // the last successful subscription per consumer and shard
	waiters  map[waitKey]chan struct{}
	watching atomic.Int32 // subscriptions being served; puts skip notify at 0
	lifetime time.Duration

	writers map[*eventWriter]struct{} // the subscriptions being served, for Drain
	drained bool
	drain   chan struct{} // closed by Drain
}

func (ss *subscriptions) init() {
	ss.latest = map[subKey]*subscription{}
	ss.waiters = map[waitKey]chan struct{}{}
	ss.lifetime = subscriptionLifetime
	ss.writers = map[*eventWriter]struct{}{}
	ss.drain = make(chan struct{})
}

// serving registers a subscription's writer for Drain, until the func it
// returns is called; one that starts after Drain is cut as Drain cuts.
func (ss *subscriptions) serving(ew *eventWriter) (done func()) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.drained {
		ew.cut(time.Now().Add(drainGrace))
	}
	ss.writers[ew] = struct{}{}
	return func() {
		ss.mu.Lock()
		defer ss.mu.Unlock()
		delete(ss.writers, ew)
	}
}

// signal returns a channel closed by the next put to the shard.
func (ss *subscriptions) signal(stream string, shard int) <-chan struct{} {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	k := waitKey{stream, shard}
	ch := ss.waiters[k]
	if ch == nil {
		ch = make(chan struct{})
		ss.waiters[k] = ch
	}
	return ch
}

// dropStream wakes and forgets the waiters of a deleted stream: no put
// will come to wake them, and kept they would outlive it.
func (ss *subscriptions) dropStream(stream string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for k, ch := range ss.waiters {
		if k.stream == stream {
			close(ch)
			delete(ss.waiters, k)
		}
	}
}

// notify wakes the subscriptions waiting on the shards that res wrote to.
func (ss *subscriptions) notify(stream string, res []putResult) {
	if ss.watching.Load() == 0 {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, r := range res {
		if r.errCode != "" {
			continue
		}
		k := waitKey{stream, r.shard}
		if ch := ss.waiters[k]; ch != nil {
			close(ch)
			delete(ss.waiters, k)
		}
	}
}

// Drain ends every open subscription, so that a graceful shutdown of the
// endpoint does not wait for them (see service.Drainer). One waiting for
// records ends at once; one writing an event has drainGrace to finish it,
// so a client that does not read cannot hold the shutdown for writeStall.
func (s *Service) Drain() {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	if s.subs.drained {
		return
	}
	s.subs.drained = true
	close(s.subs.drain)
	by := time.Now().Add(drainGrace)
	for ew := range s.subs.writers {
		ew.cut(by)
	}
}

// drainGrace is how long Drain lets an event being written finish: one to
// a client that reads goes out in milliseconds, and ending it cleanly
// spares that client a reset stream.
const drainGrace = time.Second

// subscription is one SubscribeToShard call.
type subscription struct {
	key       subKey
	con       *consumer
	startedMs int64
	it        iterator

	endOnce sync.Once
	ended   chan struct{}
	endErr  *apiError // the exception to send when ended by another call
}

// end stops a subscription from outside, with an exception to send.
func (sub *subscription) end(e *apiError) {
	sub.endOnce.Do(func() {
		sub.endErr = e
		close(sub.ended)
	})
}

// endSubscriptions ends a consumer's subscriptions (it is being deleted).
func (s *Service) endSubscriptions(c *consumer, e *apiError) {
	if e == nil {
		s.cmu.Lock() // c.meta is cmu's: a failed commit restores it
		name, stream := c.meta.Name, c.meta.Stream
		s.cmu.Unlock()
		e = s.consumerNotFound(name, stream)
	}
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	for key, sub := range s.subs.latest {
		if sub.con == c {
			sub.end(e)
			delete(s.subs.latest, key) // its ARN is never used again
		}
	}
}

// forget removes sub from latest once it has ended, unless a later call
// took its place; within the resubscribe window it stays, since a new
// call then must still be refused.
func (s *Service) forget(sub *subscription) {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	if s.subs.latest[sub.key] == sub && s.nowMs()-sub.startedMs >= resubscribeWindow.Milliseconds() {
		delete(s.subs.latest, sub.key)
	}
}

type startingPosition struct {
	Type           *string    `json:"Type"`
	SequenceNumber *string    `json:"SequenceNumber"`
	Timestamp      *epochTime `json:"Timestamp"`
}

type subscribeInput struct {
	ConsumerARN      *string           `json:"ConsumerARN"`
	ShardId          *string           `json:"ShardId"`
	StartingPosition *startingPosition `json:"StartingPosition"`
}

// subscribeToShard validates a SubscribeToShard call and starts the
// subscription; ServeOp then streams it (serveSubscription).
func (s *Service) subscribeToShard(c codec, body []byte) (any, *apiError) {
	var in subscribeInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.consumerARNField(in.ConsumerARN, true)
	v.notNull(in.ShardId != nil, "shardId")
	if in.ShardId != nil {
		v.length(*in.ShardId, "shardId", 1, 128)
		if *in.ShardId != "" {
			v.pattern(*in.ShardId, "shardId", streamNamePattern, isStreamName(*in.ShardId))
		}
	}
	v.notNull(in.StartingPosition != nil, "startingPosition")
	if p := in.StartingPosition; p != nil {
		if p.Type == nil {
			v.notNull(false, "startingPosition.type")
		} else {
			v.enum(*p.Type, "startingPosition.type", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
		}
		if p.SequenceNumber != nil {
			v.pattern(*p.SequenceNumber, "startingPosition.sequenceNumber", "0|([1-9]\\d{0,128})", isDecimal(*p.SequenceNumber, 129))
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	con, apiErr := s.consumerByARN(*in.ConsumerARN)
	if apiErr != nil {
		return nil, apiErr
	}
	s.cmu.Lock()
	m := con.meta
	arn := s.consumerARN(&con.meta)
	s.cmu.Unlock()
	if m.Status != statusActive {
		return nil, clientErr("ResourceInUseException", "Consumer %s with creation timestamp %d under stream: %s , account %s is not in ACTIVE status.", m.Name, m.CreatedMs/1000, m.Stream, s.env.AccountID)
	}
	idx, ok := parseShardID(*in.ShardId)
	if !ok {
		return nil, s.shardNotFound(*in.ShardId, m.Stream)
	}
	// The starting position is what GetShardIterator would give.
	req := map[string]any{"StreamName": m.Stream, "ShardId": shardName(idx), "ShardIteratorType": *in.StartingPosition.Type}
	if in.StartingPosition.SequenceNumber != nil {
		req["StartingSequenceNumber"] = *in.StartingPosition.SequenceNumber
	}
	if ts := in.StartingPosition.Timestamp; ts != nil {
		req["Timestamp"] = json.Number(formatSeconds(ts.UnixMilli()))
	}
	reqBody, _ := json.Marshal(req)
	out, apiErr := s.getShardIterator(codec{}, reqBody)
	if apiErr != nil {
		return nil, apiErr
	}
	it, err := decodeIterator(s.iterKey, out.(map[string]string)["ShardIterator"])
	if err != nil {
		return nil, internalFailure()
	}

	now := s.nowMs()
	sub := &subscription{key: subKey{arn, idx}, con: con, startedMs: now, it: it, ended: make(chan struct{})}
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	if prev := s.subs.latest[sub.key]; prev != nil {
		if now-prev.startedMs < resubscribeWindow.Milliseconds() {
			return nil, clientErr("ResourceInUseException", "Another active subscription exists for this consumer: %s:%s:%s:%s", s.env.AccountID, m.Stream, shardName(idx), m.Name)
		}
		// A later call takes the subscription over.
		prev.end(clientErr("ResourceInUseException", "Another active subscription exists for this consumer: %s:%s:%s:%s", s.env.AccountID, m.Stream, shardName(idx), m.Name))
	}
	s.subs.latest[sub.key] = sub
	return sub, nil
}

func formatSeconds(ms int64) string {
	b, _ := json.Marshal(seconds(ms))
	return string(b)
}

// subscribeEvent is a SubscribeToShardEvent.
type subscribeEvent struct {
	Records                    []recordOut  `json:"Records"`
	ContinuationSequenceNumber *string      `json:"ContinuationSequenceNumber,omitempty"`
	MillisBehindLatest         int64        `json:"MillisBehindLatest"`
	ChildShards                []childShard `json:"ChildShards,omitempty"`
}

// eventWriter writes event stream messages and flushes each one.
type eventWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	enc *eventstream.Encoder
	c   codec
	end time.Time // the subscription's end, which bounds every write

	mu    sync.Mutex // for cutBy and the write deadline, which Drain sets from its goroutine
	cutBy time.Time  // zero until Drain
}

func (ew *eventWriter) payloadType() string {
	if ew.c.cbor {
		return contentCBOR
	}
	return "application/json"
}

func (ew *eventWriter) marshal(v any) ([]byte, error) {
	if ew.c.cbor {
		return cbor.Marshal(v)
	}
	return json.Marshal(v)
}

func (ew *eventWriter) send(msg eventstream.Message) error {
	ew.deadline()
	if err := ew.enc.Encode(ew.w, msg); err != nil {
		return err
	}
	return ew.rc.Flush()
}

// sendRaw writes a whole message (appendEventFrame).
func (ew *eventWriter) sendRaw(msg []byte) error {
	ew.deadline()
	if _, err := ew.w.Write(msg); err != nil {
		return err
	}
	return ew.rc.Flush()
}

// writeStall is the longest one event's write may block on a client that
// does not read.
const writeStall = 30 * time.Second

// deadline bounds the next write: writeStall from now, and no later than
// the subscription's end (zero: not yet known) or Drain's cut. A write past
// it fails, and the subscription ends with the connection or stream.
func (ew *eventWriter) deadline() {
	d := time.Now().Add(writeStall)
	if !ew.end.IsZero() && ew.end.Before(d) {
		d = ew.end.Add(time.Second) // the last event may still go out
	}
	ew.mu.Lock()
	defer ew.mu.Unlock()
	if !ew.cutBy.IsZero() && ew.cutBy.Before(d) {
		d = ew.cutBy
	}
	ew.rc.SetWriteDeadline(d) // unsupported: writes stay unbounded, as before
}

// cut bounds the write under way, and every later one, by by.
func (ew *eventWriter) cut(by time.Time) {
	ew.mu.Lock()
	defer ew.mu.Unlock()
	ew.cutBy = by
	ew.rc.SetWriteDeadline(by)
}

// framePool holds the buffers SubscribeToShardEvent messages are written
// in, shared by the subscriptions.
var framePool = sync.Pool{New: func() any { return new([]byte) }}

// appendEventFrame appends a whole event stream message (prelude, headers,
// payload, CRCs: what eventstream.Encoder writes) carrying a read as a
// SubscribeToShardEvent in JSON, written by hand like GetRecords' fast
// path: the records' data go from the store to the message once.
func appendEventFrame(dst []byte, res *getRecordsResult) []byte {
	if need := 256 + recordsJSONSize(res); cap(dst)-len(dst) < need {
		dst = append(make([]byte, 0, len(dst)+need), dst...)
	}
	start := len(dst)
	dst = append(dst, make([]byte, 12)...) // the prelude, below
	for _, h := range [...][2]string{{":message-type", "event"}, {":event-type", "SubscribeToShardEvent"}, {":content-type", "application/json"}} {
		dst = append(dst, byte(len(h[0])))
		dst = append(dst, h[0]...)
		dst = append(dst, 7) // a string
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(h[1])))
		dst = append(dst, h[1]...)
	}
	headersLen := len(dst) - start - 12
	dst = append(dst, `{"Records":`...)
	dst = appendRecordsJSON(dst, res)
	if res.next != "" {
		dst = append(dst, `,"ContinuationSequenceNumber":"`...)
		dst = appendSeq(dst, res.created, res.shard, max(res.pos, 1)-1)
		dst = append(dst, '"')
	}
	dst = append(dst, `,"MillisBehindLatest":`...)
	dst = strconv.AppendInt(dst, res.millisBehind, 10)
	if res.next == "" && len(res.children) > 0 {
		children, _ := json.Marshal(res.children)
		dst = append(dst, `,"ChildShards":`...)
		dst = append(dst, children...)
	}
	dst = append(dst, '}')
	msg := dst[start:]
	binary.BigEndian.PutUint32(msg[0:], uint32(len(msg)+4))
	binary.BigEndian.PutUint32(msg[4:], uint32(headersLen))
	binary.BigEndian.PutUint32(msg[8:], crc32.ChecksumIEEE(msg[:8]))
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(msg))
}

func (ew *eventWriter) event(eventType string, v any) error {
	payload, err := ew.marshal(v)
	if err != nil {
		return err
	}
	var msg eventstream.Message
	msg.Headers.Set(":message-type", eventstream.StringValue("event"))
	msg.Headers.Set(":event-type", eventstream.StringValue(eventType))
	msg.Headers.Set(":content-type", eventstream.StringValue(ew.payloadType()))
	msg.Payload = payload
	return ew.send(msg)
}

func (ew *eventWriter) exception(e *apiError) error {
	typ := e.Type
	if typ == "InternalFailure" {
		typ = "InternalFailureException" // the event stream's name for it
	}
	payload, err := ew.marshal(map[string]string{"message": e.Message})
	if err != nil {
		return err
	}
	var msg eventstream.Message
	msg.Headers.Set(":message-type", eventstream.StringValue("exception"))
	msg.Headers.Set(":exception-type", eventstream.StringValue(typ))
	msg.Headers.Set(":content-type", eventstream.StringValue(ew.payloadType()))
	msg.Payload = payload
	return ew.send(msg)
}

// serveSubscription streams a subscription until it ends.
func (s *Service) serveSubscription(w http.ResponseWriter, r *http.Request, c codec, sub *subscription) {
	s.subs.watching.Add(1)
	defer s.subs.watching.Add(-1)
	defer s.forget(sub)
	servedSubscriptions.Add(1)
	defer servedSubscriptions.Add(-1)
	ew := &eventWriter{w: w, rc: http.NewResponseController(w), enc: eventstream.NewEncoder(), c: c}
	defer s.subs.serving(ew)()
	w.Header().Set("Content-Type", eventStreamContentType)
	w.WriteHeader(http.StatusOK)
	if err := ew.event("initial-response", struct{}{}); err != nil {
		return
	}
	life := time.NewTimer(s.subs.lifetime)
	defer life.Stop()
	// A write to a client that stopped reading blocks: it is given until
	// the subscription's end, and at most writeStall, so the lifetime, a
	// takeover and a drain still end the subscription.
	ew.end = time.Now().Add(s.subs.lifetime)
	ctx := r.Context()
	it := sub.it
	var lastSent time.Time // zero: the first event goes out at once
	for {
		select {
		case <-sub.ended: // taken over, or the consumer is going
			if sub.endErr != nil {
				ew.exception(sub.endErr)
			}
			return
		default:
		}
		wake := s.subs.signal(it.stream, it.shard)
		var ev subscribeEvent
		var behind, end bool
		bytes, n := 0, 0
		var frame *[]byte // the whole message, in JSON
		apiErr := s.readShard(it, maxGetRecordsLimit, subscriptionEventBytes, false, func(res *getRecordsResult) {
			it.pos = res.pos
			behind = res.behind
			end = res.next == ""
			n = len(res.records)
			for _, rec := range res.records {
				bytes += len(rec.data) + len(rec.pk)
			}
			if !ew.c.cbor {
				frame = framePool.Get().(*[]byte)
				*frame = appendEventFrame((*frame)[:0], res)
				return
			}
			ev.Records = make([]recordOut, len(res.records))
			for i, rec := range res.records {
				ev.Records[i] = recordOut{
					SequenceNumber:              formatSeq(res.created, res.shard, rec.counter),
					ApproximateArrivalTimestamp: epochMs(rec.arrivalMs),
					Data:                        append([]byte(nil), rec.data...),
					PartitionKey:                string(rec.pk),
				}
				if rec.encrypted {
					ev.Records[i].EncryptionType = "KMS" // as GetRecords has it
				}
			}
			ev.MillisBehindLatest = res.millisBehind
			if end {
				ev.ChildShards = res.children
			} else {
				cont := formatSeq(res.created, res.shard, max(res.pos, 1)-1)
				ev.ContinuationSequenceNumber = &cont
			}
		})
		if apiErr != nil {
			ew.exception(apiErr)
			return
		}
		if n > 0 || end || time.Since(lastSent) >= subscriptionHeartbeat {
			var err error
			if frame != nil {
				err = ew.sendRaw(*frame)
			} else {
				err = ew.event("SubscribeToShardEvent", ev)
			}
			if frame != nil {
				framePool.Put(frame)
			}
			if err != nil {
				return
			}
			lastSent = time.Now()
			if end {
				return // the shard is closed and read to its end
			}
		} else if frame != nil {
			framePool.Put(frame)
		}
		// Wait for records (a put to the shard), the next heartbeat, the
		// read-rate allowance, or the end.
		// An event's bytes are paid off at 2 MiB/s before the next event,
		// so a subscription never runs ahead of the rate, even at its start.
		var pace <-chan time.Time
		if s.env.EnforceLimits && bytes > 0 {
			pace, wake = time.After(time.Duration(bytes)*time.Second/readBytesPerSec), nil
		}
		if behind && pace == nil {
			closedCh := make(chan struct{})
			close(closedCh)
			wake = closedCh // more to read now
		}
		beat := time.NewTimer(max(subscriptionHeartbeat-time.Since(lastSent), 0))
		select {
		case <-pace:
		case <-wake:
		case <-beat.C:
		case <-life.C:
			beat.Stop()
			return // five minutes are up: the stream ends cleanly
		case <-ctx.Done():
			beat.Stop()
			return
		case <-s.stop:
			beat.Stop()
			return
		case <-s.subs.drain:
			beat.Stop()
			return
		case <-sub.ended:
			beat.Stop()
			if sub.endErr != nil {
				ew.exception(sub.endErr)
			}
			return
		}
		beat.Stop()
	}
}
