// Package kinesis implements the Kinesis Data Streams API (target prefix
// Kinesis_20131202, JSON 1.1 and CBOR 1.1 bodies) of the local endpoint over
// the shared bbolt store.
package kinesis

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// TargetPrefix is the X-Amz-Target prefix of Kinesis operations.
const TargetPrefix = "Kinesis_20131202"

const (
	contentJSON = "application/x-amz-json-1.1"
	contentCBOR = "application/x-amz-cbor-1.1"
)

// trimInterval is how often records past their retention are deleted.
const trimInterval = time.Minute

// Service serves Kinesis operations.
type Service struct {
	env     *service.Env
	iterKey []byte
	nonce   atomic.Uint64

	// shardsMu makes counting the account's shards and recording a change
	// that adds some one step (CreateStream, SplitShard, UpdateShardCount),
	// so that two such calls cannot both fit where only one would. It is
	// taken before mu and any stream's.
	shardsMu sync.Mutex

	mu      sync.RWMutex
	streams map[string]*stream
	// lastCreatedMs is the newest stream's creation time. Iterators and
	// sequence numbers name a stream by name and creation time, so a
	// stream re-created under a name within the same millisecond must
	// still get a later one.
	lastCreatedMs int64

	timersMu sync.Mutex
	timers   map[*time.Timer]struct{}
	closed   bool
	stop     chan struct{}
	wg       sync.WaitGroup

	// Enhanced fan-out (consumers.go, subscribe.go).
	cmu       sync.Mutex // guards consumers and their fields; taken after a stream's mu
	consumers map[string]*consumer
	subs      subscriptions
}

// New loads the streams kept in env.DB, resumes any state transition that
// was under way, and starts the retention trimmer.
func New(env *service.Env) (*Service, error) {
	s := &Service{env: env, timers: map[*time.Timer]struct{}{}, stop: make(chan struct{})}
	err := env.DB.Update(func(tx *store.Tx) error {
		for _, b := range [][]byte{bucketStreams, bucketRecords, bucketMeta, bucketChannels} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if k := meta.Get(keyIteratorKey); len(k) == 32 {
			s.iterKey = bytes.Clone(k)
		} else {
			s.iterKey = make([]byte, 32)
			rand.Read(s.iterKey)
			if err := meta.Put(keyIteratorKey, s.iterKey); err != nil {
				return err
			}
		}
		var err error
		if s.streams, err = loadStreams(tx); err != nil {
			return err
		}
		return giveStreamIDs(tx, s.streams)
	})
	if err != nil {
		return nil, fmt.Errorf("load kinesis streams: %w", err)
	}
	for _, st := range s.streams {
		s.lastCreatedMs = max(s.lastCreatedMs, st.meta.CreatedMs)
		s.resumeTransition(st)
	}
	s.subs.init()
	if env.SubscriptionLifetime > 0 {
		s.subs.lifetime = env.SubscriptionLifetime
	}
	if err := s.loadConsumers(); err != nil {
		return nil, fmt.Errorf("load kinesis consumers: %w", err)
	}
	s.dropGoneChannels() // deletions that finished while spk local was stopped
	s.wg.Add(1)
	go s.trimLoop()
	return s, nil
}

// TargetPrefix implements service.Handler.
func (s *Service) TargetPrefix() string { return TargetPrefix }

// Name implements service.Handler.
func (s *Service) Name() string { return "kinesis" }

// Has implements service.Handler.
func (s *Service) Has(op string) bool { _, ok := operations[op]; return ok }

// InternalError implements service.Handler: Kinesis's InternalFailure, in
// CBOR when the request was.
func (s *Service) InternalError(w http.ResponseWriter, r *http.Request) {
	codecOf(r).writeError(w, internalFailure())
}

func codecOf(r *http.Request) codec {
	return codec{cbor: service.IsCBOR(r)}
}

// Close stops the trimmer and pending state transitions (they resume on the
// next start, since their state is in the store).
func (s *Service) Close() error {
	s.timersMu.Lock()
	if s.closed {
		s.timersMu.Unlock()
		return nil
	}
	s.closed = true
	// A timer stopped here never runs its func: release its wait slot. One
	// that fired already finds itself gone from timers and skips its func.
	for t := range s.timers {
		if t.Stop() {
			s.wg.Done()
		}
		delete(s.timers, t)
	}
	s.timersMu.Unlock()
	close(s.stop)
	s.wg.Wait()
	return nil
}

// after runs f after d unless the service closes first; with no delay it
// runs f at once, so "no delay" options give deterministic states.
func (s *Service) after(d time.Duration, f func()) {
	if d <= 0 {
		f()
		return
	}
	s.timersMu.Lock()
	defer s.timersMu.Unlock()
	if s.closed {
		return
	}
	var t *time.Timer
	s.wg.Add(1)
	t = time.AfterFunc(d, func() {
		defer s.wg.Done()
		s.timersMu.Lock()
		_, live := s.timers[t]
		delete(s.timers, t)
		s.timersMu.Unlock()
		if live {
			f()
		}
	})
	s.timers[t] = struct{}{}
}

func (s *Service) now() time.Time { return s.env.Now() }
func (s *Service) nowMs() int64   { return s.env.Now().UnixMilli() }

// codec is the body format of one request and its response.
type codec struct{ cbor bool }

// decode reads a request body into v; its errors are for serializationErr.
func (c codec) decode(body []byte, v any) error {
	if c.cbor {
		return decodeCBORBody(body, v)
	}
	return decodeJSONBody(body, v)
}

func (c codec) contentType() string {
	if c.cbor {
		return contentCBOR
	}
	return contentJSON
}

func (c codec) write(w http.ResponseWriter, status int, v any) {
	var body []byte
	var err error
	if c.cbor {
		body, err = cbor.Marshal(v)
	} else {
		body, err = json.Marshal(v)
	}
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"__type":"InternalFailure","message":"Internal Service Failure"}`)
	}
	c.writeRaw(w, status, body)
}

func (c codec) writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", c.contentType())
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func (c codec) writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]string{"__type": e.Type}
	if e.Message != "" {
		// Kinesis's deserialiser, unlike the service, capitalises the key.
		key := "message"
		if e.Type == "SerializationException" {
			key = "Message"
		}
		body[key] = e.Message
	}
	c.write(w, e.Status, body)
}

type operation func(s *Service, c codec, body []byte) (any, *apiError)

var operations = map[string]operation{
	"CreateStream":                           (*Service).createStream,
	"DeleteStream":                           (*Service).deleteStream,
	"DescribeStream":                         (*Service).describeStream,
	"DescribeStreamSummary":                  (*Service).describeStreamSummary,
	"ListStreams":                            (*Service).listStreams,
	"ListShards":                             (*Service).listShards,
	"PutRecord":                              (*Service).putRecord,
	"PutRecords":                             (*Service).putRecords,
	"GetShardIterator":                       (*Service).getShardIterator,
	"GetRecords":                             (*Service).getRecords,
	"SplitShard":                             (*Service).splitShard,
	"MergeShards":                            (*Service).mergeShards,
	"UpdateShardCount":                       (*Service).updateShardCount,
	"AddTagsToStream":                        (*Service).addTagsToStream,
	"RemoveTagsFromStream":                   (*Service).removeTagsFromStream,
	"ListTagsForStream":                      (*Service).listTagsForStream,
	"IncreaseStreamRetentionPeriod":          (*Service).increaseRetention,
	"DecreaseStreamRetentionPeriod":          (*Service).decreaseRetention,
	"UpdateStreamMode":                       (*Service).updateStreamMode,
	"DescribeLimits":                         (*Service).describeLimits,
	"StartStreamEncryption":                  (*Service).startStreamEncryption,
	"StopStreamEncryption":                   (*Service).stopStreamEncryption,
	"EnableEnhancedMonitoring":               (*Service).enableEnhancedMonitoring,
	"DisableEnhancedMonitoring":              (*Service).disableEnhancedMonitoring,
	"TagResource":                            (*Service).tagResource,
	"UntagResource":                          (*Service).untagResource,
	"ListTagsForResource":                    (*Service).listTagsForResource,
	"PutResourcePolicy":                      (*Service).putResourcePolicy,
	"GetResourcePolicy":                      (*Service).getResourcePolicy,
	"DeleteResourcePolicy":                   (*Service).deleteResourcePolicy,
	"UpdateMaxRecordSize":                    (*Service).updateMaxRecordSize,
	"UpdateStreamWarmThroughput":             (*Service).updateStreamWarmThroughput,
	"UpdateStreamRecordDistributionStrategy": (*Service).updateStreamRecordDistributionStrategy,
	"DescribeAccountSettings":                (*Service).describeAccountSettings,
	"UpdateAccountSettings":                  (*Service).updateAccountSettings,
	"CreateChannel":                          (*Service).createChannel,
	"DescribeChannel":                        (*Service).describeChannel,
	"ListChannels":                           (*Service).listChannels,
	"UpdateChannel":                          (*Service).updateChannel,
	"DeleteChannel":                          (*Service).deleteChannel,
	"RegisterStreamConsumer":                 (*Service).registerStreamConsumer,
	"DescribeStreamConsumer":                 (*Service).describeStreamConsumer,
	"ListStreamConsumers":                    (*Service).listStreamConsumers,
	"DeregisterStreamConsumer":               (*Service).deregisterStreamConsumer,
	"SubscribeToShard":                       (*Service).subscribeToShard,
}

// ServeOp implements service.Handler.
func (s *Service) ServeOp(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	c := codecOf(r)
	fn, ok := operations[op]
	if !ok {
		c.writeError(w, &apiError{Status: http.StatusBadRequest, Type: "UnknownOperationException"})
		return
	}
	if s.env.Faults.Hit() {
		c.writeError(w, internalFailure())
		return
	}
	// The hot paths write their responses themselves.
	if !c.cbor {
		switch op {
		case "PutRecords":
			s.servePutRecordsJSON(w, c, body)
			return
		case "GetRecords":
			s.serveGetRecordsJSON(w, c, body)
			return
		}
	}
	out, apiErr := fn(s, c, body)
	if apiErr != nil {
		c.writeError(w, apiErr)
		return
	}
	if out == noOutput {
		// Operations without output (CreateStream, AddTagsToStream, …)
		// answer 200 with the content type and an empty body
		// (Content-Length: 0), not "{}": that is what kinesalite recorded
		// from Kinesis, and the AWS SDKs discard these bodies unread, so
		// both forms work with every client.
		c.writeRaw(w, http.StatusOK, nil)
		return
	}
	if sub, ok := out.(*subscription); ok {
		s.serveSubscription(w, r, c, sub) // an event stream, not one body
		return
	}
	c.write(w, http.StatusOK, out)
}

// noOutput is what operations without output return.
var noOutput any = struct{}{}

// serializationErr answers a body decode could not read. Kinesis gives a
// malformed body no message, and a value of the wrong type its
// deserialiser's wording (see serial.go).
func serializationErr(err error) *apiError {
	msg := ""
	var se *serialError
	if errors.As(err, &se) {
		msg = se.msg
	}
	return &apiError{Status: http.StatusBadRequest, Type: "SerializationException", Message: msg}
}

// lookup finds a live stream.
func (s *Service) lookup(name string) *stream {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.streams[name]
}

// resolveName validates StreamName and StreamARN (in that order) and
// takes the stream name from them: StreamName if given, else the name in
// the ARN, else "".
func (s *Service) resolveName(name, arn *string, v *validation) string {
	v.optStreamName(name, "streamName")
	v.streamARN(arn)
	if name != nil {
		return *name
	}
	if arn != nil {
		if p, ok := parseStreamARN(*arn); ok {
			return p.name
		}
	}
	return ""
}

func (s *Service) streamARN(name string) string {
	return "arn:aws:kinesis:" + s.env.Region + ":" + s.env.AccountID + ":stream/" + name
}

// arnParts are the parts of a stream ARN spk looks at.
type arnParts struct{ partition, region, account, name string }

// streamARNParts is streamARNPattern with its parts captured.
var streamARNParts = regexp.MustCompile(`^arn:(aws.*):kinesis:(.*):(\d{12}):stream/(\S+)$`)

// parseStreamARN splits an ARN that matches streamARNPattern.
func parseStreamARN(arn string) (arnParts, bool) {
	m := streamARNParts.FindStringSubmatch(arn)
	if m == nil {
		return arnParts{}, false
	}
	return arnParts{m[1], m[2], m[3], m[4]}, true
}

// nameFromARN returns the name of a stream of this endpoint's account and
// region named by arn.
func (s *Service) nameFromARN(arn string) (string, bool) {
	p, ok := parseStreamARN(arn)
	if !ok || p.partition != "aws" || p.region != s.env.Region || p.account != s.env.AccountID {
		return p.name, false
	}
	return p.name, isStreamName(p.name)
}

// refName turns a validated stream reference into the name of a stream of
// this endpoint, after the checks that follow member validation: one of
// the two must be given; an ARN of another account or region names no
// stream here; and the API reference allows both together, which spk
// accepts when they name the same stream and refuses otherwise (Kinesis's
// wording for that case is not recorded; this one says what is wrong).
func (s *Service) refName(name, arn *string, v validation) (string, *apiError) {
	n := ""
	if name != nil {
		n = *name
	} else if arn != nil {
		p, _ := parseStreamARN(*arn)
		n = p.name
	}
	if err := requireStream(n, v); err != nil {
		return n, err
	}
	if arn == nil {
		return n, nil
	}
	fromARN, ours := s.nameFromARN(*arn)
	if name != nil && fromARN != *name {
		return n, clientErr("InvalidArgumentException", "StreamARN %s and StreamName %s do not name the same stream.", *arn, *name)
	}
	if !ours {
		p, _ := parseStreamARN(*arn)
		return n, clientErr("ResourceNotFoundException", "Stream %s under account %s not found.", p.name, p.account)
	}
	return n, nil
}

// requireStream is the common "StreamName or StreamARN" check.
func requireStream(name string, v validation) *apiError {
	if err := v.err(); err != nil {
		return err
	}
	if name == "" {
		return clientErr("ValidationException", "Either StreamName or StreamARN must be provided.")
	}
	return nil
}
