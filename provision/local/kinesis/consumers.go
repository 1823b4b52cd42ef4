package kinesis

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Enhanced fan-out consumers: RegisterStreamConsumer, DescribeStreamConsumer,
// ListStreamConsumers and DeregisterStreamConsumer. SubscribeToShard is in
// subscribe.go.

// bucketConsumers holds every consumer: "stream/consumer" -> JSON consumerMeta.
var bucketConsumers = []byte("kinesis/consumers")

const (
	maxConsumersPerStream = 20
	maxConsumersCreating  = 5 // per account, as AWS
	consumerARNPattern    = `^(arn):aws.*:kinesis:.*:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+`
	// listConsumersTokenLife is how long a ListStreamConsumers NextToken
	// stays valid (AWS: 300 seconds).
	listConsumersTokenLife = 300 * time.Second
)

// consumerMeta is a consumer as kept in the store.
type consumerMeta struct {
	Name string `json:"name"`
	// Stream and StreamCreatedMs name the stream it is registered with; a
	// consumer of an earlier stream of the same name is not this stream's.
	Stream          string            `json:"stream"`
	StreamCreatedMs int64             `json:"streamCreated"`
	CreatedMs       int64             `json:"created"` // whole seconds, as in the ARN
	Status          string            `json:"status"`
	StatusSinceMs   int64             `json:"since"`
	Tags            map[string]string `json:"tags,omitempty"`
	Policy          string            `json:"policy,omitempty"` // PutResourcePolicy's, as given
}

// consumer is a consumer in memory; Service.cmu guards it.
type consumer struct {
	meta consumerMeta
	gone bool
}

func consumerKey(stream, name string) string { return stream + "/" + name }

func (m *consumerMeta) key() string { return consumerKey(m.Stream, m.Name) }

func (s *Service) consumerARN(m *consumerMeta) string {
	return s.streamARN(m.Stream) + "/consumer/" + m.Name + ":" + strconv.FormatInt(m.CreatedMs/1000, 10)
}

func saveConsumer(tx *bolt.Tx, m *consumerMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketConsumers).Put([]byte(m.key()), b)
}

func deleteConsumer(tx *bolt.Tx, m *consumerMeta) error {
	return tx.Bucket(bucketConsumers).Delete([]byte(m.key()))
}

// loadConsumers reads the consumers kept in the store, dropping those whose
// stream is gone, and resumes their CREATING and DELETING transitions.
func (s *Service) loadConsumers() error {
	loaded := map[string]*consumer{}
	created := map[string]int64{} // stream -> creation time
	s.mu.RLock()
	for name, st := range s.streams {
		created[name] = st.meta.CreatedMs
	}
	s.mu.RUnlock()
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketConsumers)
		if err != nil {
			return err
		}
		var orphans [][]byte
		err = b.ForEach(func(k, v []byte) error {
			c := &consumer{}
			if err := json.Unmarshal(v, &c.meta); err != nil {
				return fmt.Errorf("consumer %s: %w", k, err)
			}
			if ms, ok := created[c.meta.Stream]; !ok || ms != c.meta.StreamCreatedMs {
				orphans = append(orphans, append([]byte(nil), k...))
				return nil
			}
			loaded[c.meta.key()] = c
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range orphans {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.cmu.Lock()
	s.consumers = loaded
	s.cmu.Unlock()
	for _, c := range loaded {
		s.resumeConsumerTransition(c)
	}
	return nil
}

func (s *Service) resumeConsumerTransition(c *consumer) {
	s.resumeAfter(c.meta.Status, c.meta.StatusSinceMs, func() { s.finishConsumerTransition(c) })
}

// finishConsumerTransition ends CREATING (the consumer becomes ACTIVE) or
// DELETING (the consumer is dropped).
func (s *Service) finishConsumerTransition(c *consumer) {
	var dropped bool
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
		s.cmu.Lock()
		defer s.cmu.Unlock()
		if c.gone || s.consumers[c.meta.key()] != c {
			return nil
		}
		switch c.meta.Status {
		case statusCreating:
			c.meta.Status, c.meta.StatusSinceMs = statusActive, s.nowMs()
			return saveConsumer(tx, &c.meta)
		case statusDeleting:
			if err := deleteConsumer(tx, &c.meta); err != nil {
				return err
			}
			delete(s.consumers, c.meta.key())
			c.gone, dropped = true, true
		}
		return nil
	})
	if err != nil {
		s.env.Log.Error("finish consumer state change", "consumer", c.meta.Name, "stream", c.meta.Stream, "err", err)
		return
	}
	if dropped {
		s.endSubscriptions(c, nil)
	}
}

// parseConsumerARN splits a consumer ARN of this endpoint's region and
// account into stream, consumer name and creation seconds.
func (s *Service) parseConsumerARN(arn string) (stream, name string, createdSec int64, ok bool) {
	prefix := "arn:aws:kinesis:" + s.env.Region + ":" + s.env.AccountID + ":stream/"
	rest, found := strings.CutPrefix(arn, prefix)
	if !found {
		return "", "", 0, false
	}
	stream, rest, found = strings.Cut(rest, "/consumer/")
	if !found || !isStreamName(stream) {
		return "", "", 0, false
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return "", "", 0, false
	}
	name = rest[:i]
	sec, err := strconv.ParseInt(rest[i+1:], 10, 64)
	if err != nil || sec < 0 || !isStreamName(name) {
		return "", "", 0, false
	}
	return stream, name, sec, true
}

// isConsumerARN checks a consumer ARN against AWS's pattern (any region
// and account).
func isConsumerARN(arn string) bool {
	rest, ok := strings.CutPrefix(arn, "arn:aws")
	if !ok {
		return false
	}
	i := strings.Index(rest, ":kinesis:")
	if i < 0 {
		return false
	}
	j := strings.Index(rest[i:], "stream/")
	if j < 0 {
		return false
	}
	tail := rest[i+j+len("stream/"):]
	stream, tail, ok := strings.Cut(tail, "/consumer/")
	if !ok || !isStreamName(stream) {
		return false
	}
	k := strings.LastIndexByte(tail, ':')
	if k < 1 || !isStreamName(tail[:k]) || tail[k+1:] == "" {
		return false
	}
	_, err := strconv.ParseUint(tail[k+1:], 10, 64)
	return err == nil
}

// isStreamARN checks a stream ARN against AWS's pattern.
func isStreamARN(arn string) bool {
	_, ok := parseStreamARN(arn)
	return ok
}

// consumerLookup answers ResourceNotFoundException for a missing consumer.
func (s *Service) consumerNotFound(name, stream string) *apiError {
	return clientErr("ResourceNotFoundException", "Consumer %s, account %s not found.", consumerKey(stream, name), s.env.AccountID)
}

// liveConsumer finds consumer name of st (looked up by the caller before it
// took cmu, which it holds), or nil.
func (s *Service) liveConsumer(st *stream, name string) *consumer {
	if st == nil {
		return nil
	}
	// Name and CreatedMs never change once a stream is listed, so they are
	// read without st.mu (the lock order is st.mu, then cmu).
	c := s.consumers[consumerKey(st.meta.Name, name)]
	if c == nil || c.gone || st.meta.CreatedMs != c.meta.StreamCreatedMs {
		return nil
	}
	return c
}

// consumerByARN finds a registered consumer by its ARN. The consumer's
// fields are guarded by cmu; change them with updateConsumer.
func (s *Service) consumerByARN(arn string) (*consumer, *apiError) {
	stream, name, sec, ok := s.parseConsumerARN(arn)
	if !ok {
		return nil, clientErr("ResourceNotFoundException", "Consumer %s not found.", arn)
	}
	st := s.lookup(stream)
	s.cmu.Lock()
	defer s.cmu.Unlock()
	c := s.liveConsumer(st, name)
	if c == nil || c.meta.CreatedMs/1000 != sec {
		return nil, s.consumerNotFound(name, stream)
	}
	return c, nil
}

// updateConsumer applies change to a live consumer's metadata and persists it.
func (s *Service) updateConsumer(c *consumer, change func(m *consumerMeta) *apiError) *apiError {
	var apiErr *apiError
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
		s.cmu.Lock()
		defer s.cmu.Unlock()
		if c.gone {
			apiErr = s.consumerNotFound(c.meta.Name, c.meta.Stream)
			return nil
		}
		if apiErr = change(&c.meta); apiErr != nil {
			return nil
		}
		return saveConsumer(tx, &c.meta)
	})
	if err != nil {
		s.env.Log.Error("update consumer", "consumer", c.meta.Name, "err", err)
		return internalFailure()
	}
	return apiErr
}

// consumerCount counts the consumers registered with a stream (for
// DescribeStreamSummary).
func (s *Service) consumerCount(stream string, streamCreatedMs int64) int {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	n := 0
	for _, c := range s.consumers {
		if c.meta.Stream == stream && c.meta.StreamCreatedMs == streamCreatedMs && !c.gone {
			n++
		}
	}
	return n
}

// streamConsumers lists a stream's consumers by name; the caller holds cmu.
func (s *Service) streamConsumers(stream string, streamCreatedMs int64) []*consumer {
	var out []*consumer
	for _, c := range s.consumers {
		if c.meta.Stream == stream && c.meta.StreamCreatedMs == streamCreatedMs && !c.gone {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].meta.Name < out[j].meta.Name })
	return out
}

// deleteStreamConsumers starts the deletion of every consumer of a stream
// being deleted (DeleteStream with EnforceConsumerDeletion), inside the
// transaction that marks the stream DELETING; the caller holds st.mu. It
// reports whether the stream has consumers; with enforce false it changes
// nothing.
func (s *Service) deleteStreamConsumers(tx *bolt.Tx, st *stream, enforce bool) (bool, []*consumer, error) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	cs := s.streamConsumers(st.meta.Name, st.meta.CreatedMs)
	if len(cs) == 0 || !enforce {
		return len(cs) > 0, nil, nil
	}
	now := s.nowMs()
	var started []*consumer
	for _, c := range cs {
		if c.meta.Status == statusDeleting {
			continue
		}
		c.meta.Status, c.meta.StatusSinceMs = statusDeleting, now
		if err := saveConsumer(tx, &c.meta); err != nil {
			return true, nil, err
		}
		started = append(started, c)
	}
	return true, started, nil
}

func (s *Service) consumersInUse(name string) *apiError {
	return clientErr("ResourceInUseException", "DeleteStream can't delete %s:%s because there are consumers associated with this data stream. To delete %s anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it.", s.env.AccountID, name, name)
}

// --- RegisterStreamConsumer --------------------------------------------

type registerConsumerInput struct {
	StreamARN    *string           `json:"StreamARN"`
	ConsumerName *string           `json:"ConsumerName"`
	Tags         map[string]string `json:"Tags"`
}

type consumerOut struct {
	ConsumerName              string  `json:"ConsumerName"`
	ConsumerARN               string  `json:"ConsumerARN"`
	ConsumerStatus            string  `json:"ConsumerStatus"`
	ConsumerCreationTimestamp epochMs `json:"ConsumerCreationTimestamp"`
}

type consumerDescription struct {
	consumerOut
	StreamARN string `json:"StreamARN"`
}

func (s *Service) consumerOut(m *consumerMeta) consumerOut {
	return consumerOut{ConsumerName: m.Name, ConsumerARN: s.consumerARN(m), ConsumerStatus: m.Status, ConsumerCreationTimestamp: epochMs(m.CreatedMs)}
}

// consumerName validates a ConsumerName field.
func (v *validation) consumerName(name *string, required bool) {
	v.member(name, "consumerName", required, 1, 128, streamNamePattern, isStreamName)
}

// streamARNField validates a StreamARN field.
func (v *validation) streamARNField(arn *string, required bool) {
	v.member(arn, "streamARN", required, 1, 2048, streamARNPattern, isStreamARN)
}

// consumerARNField validates a ConsumerARN field.
func (v *validation) consumerARNField(arn *string, required bool) {
	v.member(arn, "consumerARN", required, 1, 2048, consumerARNPattern, isConsumerARN)
}

// streamByARN finds the live stream a stream ARN names.
func (s *Service) streamByARN(arn string) (*stream, string, *apiError) {
	name, ok := s.nameFromARN(arn)
	if !ok {
		// A well-formed ARN of another region or account: not here.
		name = arn[strings.LastIndex(arn, "/")+1:]
		return nil, name, s.streamNotFound(name)
	}
	st := s.lookup(name)
	if st == nil {
		return nil, name, s.streamNotFound(name)
	}
	return st, name, nil
}

func (s *Service) registerStreamConsumer(c codec, body []byte) (any, *apiError) {
	var in registerConsumerInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.streamARNField(in.StreamARN, true)
	v.consumerName(in.ConsumerName, true)
	if in.Tags != nil {
		v.tagMap(in.Tags, "tags", 0, maxStreamTags)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	st, name, apiErr := s.streamByARN(*in.StreamARN)
	if apiErr != nil {
		return nil, apiErr
	}
	texts := make([]string, 0, 2*len(in.Tags))
	for k, val := range in.Tags {
		if len(k) < 1 || len(k) > 128 || len(val) > 256 {
			return nil, clientErr("InvalidArgumentException", "Tag keys must be between 1 and 128 characters and tag values at most 256 characters.")
		}
		texts = append(texts, k, val)
	}
	if e := checkTagChars(texts, "add tags to", name, s.env.AccountID); e != nil {
		return nil, e
	}
	cname := *in.ConsumerName
	var out consumerOut
	var created *consumer
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.gone {
			apiErr = s.streamNotFound(name)
			return nil
		}
		if st.meta.Status != statusActive && st.meta.Status != statusUpdating {
			apiErr = s.streamNotActive(name, st.meta.Status)
			return nil
		}
		s.cmu.Lock()
		defer s.cmu.Unlock()
		if old := s.consumers[consumerKey(name, cname)]; old != nil && !old.gone && old.meta.StreamCreatedMs == st.meta.CreatedMs {
			apiErr = clientErr("ResourceInUseException", "Consumer %s under stream %s already exists for account %s.", s.consumerARN(&old.meta), name, s.env.AccountID)
			return nil
		}
		if n := len(s.streamConsumers(name, st.meta.CreatedMs)); n >= maxConsumersPerStream {
			apiErr = clientErr("LimitExceededException", "Consumer limit of %d for stream %s under account %s has been reached.", maxConsumersPerStream, name, s.env.AccountID)
			return nil
		}
		creating := 0
		for _, o := range s.consumers {
			if o.meta.Status == statusCreating && !o.gone {
				creating++
			}
		}
		if creating >= maxConsumersCreating {
			apiErr = clientErr("LimitExceededException", "Only %d consumers can be in CREATING status at the same time; wait for one to become ACTIVE before registering another under account %s.", maxConsumersCreating, s.env.AccountID)
			return nil
		}
		now := s.nowMs()
		created = &consumer{meta: consumerMeta{
			Name: cname, Stream: name, StreamCreatedMs: st.meta.CreatedMs,
			CreatedMs: now / 1000 * 1000, Status: statusCreating, StatusSinceMs: now, Tags: in.Tags,
		}}
		if err := saveConsumer(tx, &created.meta); err != nil {
			return err
		}
		if old := s.consumers[created.meta.key()]; old != nil {
			old.gone = true // a leftover of an earlier stream of this name
		}
		s.consumers[created.meta.key()] = created
		out = s.consumerOut(&created.meta)
		return nil
	})
	if err != nil {
		s.env.Log.Error("register consumer", "stream", name, "consumer", cname, "err", err)
		return nil, internalFailure()
	}
	if apiErr != nil {
		return nil, apiErr
	}
	s.after(s.env.CreateDelay, func() { s.finishConsumerTransition(created) })
	return map[string]any{"Consumer": out}, nil
}

// --- DescribeStreamConsumer / DeregisterStreamConsumer ------------------

type consumerRefInput struct {
	StreamARN    *string `json:"StreamARN"`
	ConsumerName *string `json:"ConsumerName"`
	ConsumerARN  *string `json:"ConsumerARN"`
}

// findConsumer resolves "ConsumerARN, or StreamARN and ConsumerName".
func (s *Service) findConsumer(in *consumerRefInput) (*consumer, *apiError) {
	var v validation
	v.streamARNField(in.StreamARN, false)
	v.consumerName(in.ConsumerName, false)
	v.consumerARNField(in.ConsumerARN, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.ConsumerARN != nil {
		c, apiErr := s.consumerByARN(*in.ConsumerARN)
		if apiErr != nil {
			return nil, apiErr
		}
		s.cmu.Lock()
		m := c.meta
		s.cmu.Unlock()
		if (in.ConsumerName != nil && *in.ConsumerName != m.Name) || (in.StreamARN != nil && *in.StreamARN != s.streamARN(m.Stream)) {
			return nil, clientErr("InvalidArgumentException", "ConsumerARN %s does not match the given StreamARN and ConsumerName.", *in.ConsumerARN)
		}
		return c, nil
	}
	if in.StreamARN == nil || in.ConsumerName == nil {
		return nil, clientErr("InvalidArgumentException", "Either ConsumerARN or both ConsumerName and StreamARN must be provided.")
	}
	st, name, apiErr := s.streamByARN(*in.StreamARN)
	if apiErr != nil {
		return nil, apiErr
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	c := s.liveConsumer(st, *in.ConsumerName)
	if c == nil {
		return nil, s.consumerNotFound(*in.ConsumerName, name)
	}
	return c, nil
}

func (s *Service) describeStreamConsumer(c codec, body []byte) (any, *apiError) {
	var in consumerRefInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	con, apiErr := s.findConsumer(&in)
	if apiErr != nil {
		return nil, apiErr
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return map[string]any{"ConsumerDescription": consumerDescription{consumerOut: s.consumerOut(&con.meta), StreamARN: s.streamARN(con.meta.Stream)}}, nil
}

func (s *Service) deregisterStreamConsumer(c codec, body []byte) (any, *apiError) {
	var in consumerRefInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	con, apiErr := s.findConsumer(&in)
	if apiErr != nil {
		return nil, apiErr
	}
	started := false
	apiErr = s.updateConsumer(con, func(m *consumerMeta) *apiError {
		if m.Status == statusDeleting {
			return clientErr("ResourceInUseException", "Consumer %s under account %s is already being deleted.", s.consumerARN(m), s.env.AccountID)
		}
		m.Status, m.StatusSinceMs = statusDeleting, s.nowMs()
		started = true
		return nil
	})
	if apiErr != nil {
		return nil, apiErr
	}
	if started {
		s.endSubscriptions(con, nil)
		s.after(s.env.DeleteDelay, func() { s.finishConsumerTransition(con) })
	}
	return struct{}{}, nil
}

// --- ListStreamConsumers -----------------------------------------------

type listConsumersInput struct {
	StreamARN               *string    `json:"StreamARN"`
	MaxResults              *int64     `json:"MaxResults"`
	NextToken               *string    `json:"NextToken"`
	StreamCreationTimestamp *epochTime `json:"StreamCreationTimestamp"`
}

// listConsumersToken is the content of a ListStreamConsumers NextToken.
type listConsumersToken struct {
	Stream   string `json:"s"`
	Created  int64  `json:"c"`
	After    string `json:"a"`
	IssuedMs int64  `json:"i"`
}

func (s *Service) listStreamConsumers(c codec, body []byte) (any, *apiError) {
	var in listConsumersInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.streamARNField(in.StreamARN, true)
	v.intRange(in.MaxResults, "maxResults", 1, 10000)
	if in.NextToken != nil {
		v.length(*in.NextToken, "nextToken", 1, 1048576)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	st, name, apiErr := s.streamByARN(*in.StreamARN)
	if apiErr != nil {
		return nil, apiErr
	}
	limit := 100
	if in.MaxResults != nil {
		limit = min(int(*in.MaxResults), 100) // AWS returns at most 100
	}
	st.mu.Lock()
	created, gone := st.meta.CreatedMs, st.gone
	st.mu.Unlock()
	if gone {
		return nil, s.streamNotFound(name)
	}
	after := ""
	if in.NextToken != nil {
		if in.StreamCreationTimestamp != nil {
			return nil, clientErr("InvalidArgumentException", "NextToken and StreamCreationTimestamp cannot be provided together.")
		}
		var tok listConsumersToken
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil || json.Unmarshal(b, &tok) != nil || tok.Stream == "" {
			return nil, clientErr("InvalidArgumentException", "Invalid NextToken.")
		}
		if tok.Stream != name || tok.Created != created {
			return nil, clientErr("InvalidArgumentException", "NextToken was issued for another stream.")
		}
		if s.now().Sub(time.UnixMilli(tok.IssuedMs)) > listConsumersTokenLife {
			return nil, clientErr("ExpiredNextTokenException", "The NextToken has expired: tokens are valid for %d seconds.", int(listConsumersTokenLife/time.Second))
		}
		after = tok.After
	} else if in.StreamCreationTimestamp != nil && in.StreamCreationTimestamp.UnixMilli()/1000 != created/1000 {
		return nil, s.streamNotFound(name)
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	out := map[string]any{}
	list := []consumerOut{}
	for _, con := range s.streamConsumers(name, created) {
		if con.meta.Name <= after {
			continue
		}
		if len(list) == limit {
			tok, _ := json.Marshal(listConsumersToken{Stream: name, Created: created, After: list[len(list)-1].ConsumerName, IssuedMs: s.nowMs()})
			out["NextToken"] = base64.RawURLEncoding.EncodeToString(tok)
			break
		}
		list = append(list, s.consumerOut(&con.meta))
	}
	out["Consumers"] = list
	return out, nil
}
