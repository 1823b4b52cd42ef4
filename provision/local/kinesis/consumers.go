package kinesis

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
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
	// nextTokenLife is how long a ListStreamConsumers or ListShards
	// NextToken is good for, as Kinesis documents.
	nextTokenLife = 300 * time.Second
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

func saveConsumer(tx *store.Tx, m *consumerMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketConsumers).Put([]byte(m.key()), b)
}

func deleteConsumer(tx *store.Tx, m *consumerMeta) error {
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
	err := s.env.DB.Update(func(tx *store.Tx) error {
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
	err := s.env.DB.Update(func(tx *store.Tx) error {
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
		s.restoreConsumers(c)
		s.env.Log.Error("finish consumer state change; trying again in a second", "consumer", c.meta.Name, "stream", c.meta.Stream, "err", err)
		s.after(time.Second, func() { s.finishConsumerTransition(c) })
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
	// Read without st.mu (the lock order is st.mu, then cmu).
	c := s.consumers[consumerKey(st.name, name)]
	if c == nil || c.gone || st.created != c.meta.StreamCreatedMs {
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
	err := s.env.DB.Update(func(tx *store.Tx) error {
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
		s.restoreConsumers(c)
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
func (s *Service) deleteStreamConsumers(tx *store.Tx, st *stream, enforce bool) (bool, []*consumer, error) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	cs := s.streamConsumers(st.name, st.meta.CreatedMs)
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

// restoreConsumers puts each consumer back to its stored state after a
// transaction that may have changed it in memory failed: a consumer the
// store does not hold (under its creation time) is gone, one it holds is
// live again with the stored status.
func (s *Service) restoreConsumers(cs ...*consumer) {
	err := s.env.DB.View(func(tx *store.Tx) error {
		s.cmu.Lock()
		defer s.cmu.Unlock()
		for _, c := range cs {
			if c == nil {
				continue
			}
			key := c.meta.key()
			var stored consumerMeta
			if v := tx.Bucket(bucketConsumers).Get([]byte(key)); v != nil {
				if err := json.Unmarshal(v, &stored); err != nil {
					return fmt.Errorf("consumer %s: %w", key, err)
				}
			}
			if stored.Name == "" || stored.CreatedMs != c.meta.CreatedMs || stored.StreamCreatedMs != c.meta.StreamCreatedMs {
				c.gone = true
				if s.consumers[key] == c {
					delete(s.consumers, key)
				}
				continue
			}
			c.meta, c.gone = stored, false
			s.consumers[key] = c
		}
		return nil
	})
	if err != nil {
		s.env.Log.Error("restore consumers after a failed change", "err", err)
	}
}

// --- RegisterStreamConsumer --------------------------------------------
