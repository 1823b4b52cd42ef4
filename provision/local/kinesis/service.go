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
	"sync"
	"sync/atomic"
	"time"

	"github.com/fxamacker/cbor/v2"
	bolt "go.etcd.io/bbolt"

	"github.com/spk-cli/spk/provision/local/service"
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

	mu      sync.RWMutex
	streams map[string]*stream

	timersMu sync.Mutex
	timers   map[*time.Timer]struct{}
	closed   bool
	stop     chan struct{}
	wg       sync.WaitGroup
}

// New loads the streams kept in env.DB, resumes any state transition that
// was under way, and starts the retention trimmer.
func New(env *service.Env) (*Service, error) {
	s := &Service{env: env, timers: map[*time.Timer]struct{}{}, stop: make(chan struct{})}
	err := env.DB.Update(func(tx *bolt.Tx) error {
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
		s.resumeTransition(st)
	}
	s.wg.Add(1)
	go s.trimLoop()
	return s, nil
}

// TargetPrefix implements service.Handler.
func (s *Service) TargetPrefix() string { return TargetPrefix }

// Close stops the trimmer and pending state transitions (they resume on the
// next start, since their state is in the store).
func (s *Service) Close() error {
	s.timersMu.Lock()
	if s.closed {
		s.timersMu.Unlock()
		return nil
	}
	s.closed = true
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
	// A timer stopped by Close never runs its func; release its wait slot.
	go func() {
		<-s.stop
		if t.Stop() {
			s.wg.Done()
		}
	}()
}

func (s *Service) now() time.Time { return s.env.Now() }
func (s *Service) nowMs() int64   { return s.env.Now().UnixMilli() }

// codec is the body format of one request and its response.
type codec struct{ cbor bool }

func (c codec) decode(body []byte, v any) error {
	if c.cbor {
		if len(body) == 0 {
			return errors.New("empty body")
		}
		return cbor.Unmarshal(body, v)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return errors.New("not a JSON object")
	}
	return json.Unmarshal(body, v)
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
		body["message"] = e.Message
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
}

// ServeOp implements service.Handler.
func (s *Service) ServeOp(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	c := codec{cbor: r.Header.Get("Content-Type") == contentCBOR}
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
	out, apiErr := s.safeCall(fn, c, body)
	if apiErr != nil {
		c.writeError(w, apiErr)
		return
	}
	c.write(w, http.StatusOK, out)
}

// safeCall turns a panic in an operation into an InternalFailure.
func (s *Service) safeCall(fn operation, c codec, body []byte) (out any, apiErr *apiError) {
	defer func() {
		if p := recover(); p != nil {
			s.env.Log.Error("kinesis operation panicked", "panic", fmt.Sprint(p))
			out, apiErr = nil, internalFailure()
		}
	}()
	return fn(s, c, body)
}

func serializationErr(err error) *apiError {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return clientErr("SerializationException", "class %s can not be converted to %s", ute.Value, ute.Type)
	}
	return clientErr("SerializationException", "%s", "Unable to parse the request body: "+err.Error())
}

// lookup finds a live stream.
func (s *Service) lookup(name string) *stream {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.streams[name]
}

// resolveName takes the stream name from StreamName or StreamARN.
func (s *Service) resolveName(name, arn *string, v *validation) string {
	if name != nil {
		v.streamName(*name, "streamName")
		return *name
	}
	if arn != nil {
		n, ok := s.nameFromARN(*arn)
		if !ok {
			v.pattern(*arn, "streamARN", "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+", false)
		}
		return n
	}
	return ""
}

func (s *Service) streamARN(name string) string {
	return "arn:aws:kinesis:" + s.env.Region + ":" + s.env.AccountID + ":stream/" + name
}

func (s *Service) nameFromARN(arn string) (string, bool) {
	prefix := "arn:aws:kinesis:" + s.env.Region + ":" + s.env.AccountID + ":stream/"
	if len(arn) > len(prefix) && arn[:len(prefix)] == prefix {
		name := arn[len(prefix):]
		return name, isStreamName(name)
	}
	return "", false
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
