package kinesis

import (
	"errors"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

const (
	defaultShardCount     = 4
	defaultRetentionHours = 24
	maxRetentionHours     = 8760
)

type streamRef struct {
	StreamName *string `json:"StreamName"`
	StreamARN  *string `json:"StreamARN"`
	StreamId   *string `json:"StreamId"`
}

// getStream validates the stream reference (after the members already in
// v, as Kinesis reports the stream name last in most operations) and, only
// if the whole request is valid, finds a live stream or answers
// ResourceNotFound.
func (s *Service) getStream(ref streamRef, v validation) (*stream, string, *apiError) {
	s.resolveName(ref.StreamName, ref.StreamARN, &v)
	v.streamID(ref.StreamId)
	return s.findStream(ref, v)
}

// findStream is getStream for a reference validated already.
func (s *Service) findStream(ref streamRef, v validation) (*stream, string, *apiError) {
	if ref.StreamName == nil && ref.StreamARN == nil && ref.StreamId != nil {
		return s.getStreamByID(*ref.StreamId, v)
	}
	name, err := s.refName(ref.StreamName, ref.StreamARN, v)
	if err != nil {
		return nil, name, err
	}
	st := s.lookup(name)
	if st == nil {
		return nil, name, s.streamNotFound(name)
	}
	return st, name, nil
}

// --- CreateStream / DeleteStream ---------------------------------------

type createStreamInput struct {
	StreamName        *string           `json:"StreamName"`
	ShardCount        *int64            `json:"ShardCount"`
	StreamModeDetails *streamModeInput  `json:"StreamModeDetails"`
	Tags              map[string]string `json:"Tags"`
	newerCreateInput
}

func (s *Service) createStream(c codec, body []byte) (any, *apiError) {
	var in createStreamInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.intRange(in.ShardCount, "shardCount", 1, 100000)
	v.notNull(in.StreamName != nil, "streamName")
	v.optStreamName(in.StreamName, "streamName")
	mode := modeProvisioned
	if in.StreamModeDetails != nil {
		in.StreamModeDetails.validate(&v)
		mode = in.StreamModeDetails.mode()
	}
	if in.Tags != nil {
		v.tagMap(in.Tags, "tags", 1, maxTagsPerCall)
	}
	in.validate(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	if e := checkTags(in.Tags, "create", *in.StreamName, s.env.AccountID); e != nil {
		return nil, e
	}
	if len(in.Tags) > maxStreamTags {
		return nil, tooManyTags("create", "stream", *in.StreamName, s.env.AccountID)
	}
	if err := in.check(s, mode); err != nil {
		return nil, err
	}
	shards := defaultShardCount
	if in.ShardCount != nil {
		shards = int(*in.ShardCount)
	}
	name := *in.StreamName
	// Counted before taking the service's lock (see accountShards), under
	// shardsMu until the new stream is in the account.
	s.shardsMu.Lock()
	defer s.shardsMu.Unlock()
	inAccount := s.accountShards()
	onDemand := 0
	if mode == modeOnDemand {
		onDemand = s.countOnDemand()
	}
	changing := s.countChanging()

	s.mu.Lock()
	if old, ok := s.streams[name]; ok && !old.dropped.Load() {
		s.mu.Unlock()
		return nil, clientErr("ResourceInUseException", "Stream %s under account %s already exists.", name, s.env.AccountID)
	}
	if changing >= changingStreamLimit {
		s.mu.Unlock()
		return nil, clientErr("LimitExceededException", "This request would exceed the limit on the number of streams that can simultaneously be in CREATING or DELETING for the account %s. Limit: %d.", s.env.AccountID, changingStreamLimit)
	}
	if e := s.checkShardLimit(inAccount, shards); e != nil {
		s.mu.Unlock()
		return nil, e
	}
	if mode == modeOnDemand && onDemand >= onDemandStreamCountLimit {
		s.mu.Unlock()
		return nil, s.onDemandLimitErr()
	}
	now := max(s.nowMs(), s.lastCreatedMs+1)
	s.lastCreatedMs = now
	st := &stream{name: name, created: now, meta: streamMeta{
		Name: name, CreatedMs: now, Status: statusCreating, StatusSinceMs: now,
		Mode: mode, RetentionHours: defaultRetentionHours, InitialShards: shards, Tags: in.Tags,
	}}
	in.apply(&st.meta)
	for i, r := range evenRanges(shards) {
		sh := &shardMeta{Index: i, Parent: -1, AdjacentParent: -1, CreatedMs: now}
		sh.setRange(r[0], r[1])
		st.meta.Shards = append(st.meta.Shards, sh)
	}
	err := s.env.DB.Update(func(tx *store.Tx) error {
		// Records a deleted stream of this name left behind (its deletion
		// failed to commit) must not show through the new stream.
		if err := tx.Bucket(bucketRecords).DeleteBucket([]byte(name)); err != nil && !errors.Is(err, store.ErrBucketNotFound) {
			return err
		}
		for i := range st.meta.Shards {
			if err := createShardBucket(tx, name, i); err != nil {
				return err
			}
		}
		return saveStream(tx, &st.meta)
	})
	if err != nil {
		s.mu.Unlock()
		s.env.Log.Error("create stream", "stream", name, "err", err)
		return nil, internalFailure()
	}
	s.streams[name] = st
	s.mu.Unlock()
	s.after(s.env.CreateDelay, func() { s.finishTransition(st) })
	return struct{}{}, nil
}

type deleteStreamInput struct {
	streamRef
	EnforceConsumerDeletion *bool `json:"EnforceConsumerDeletion"`
}

func (s *Service) deleteStream(c codec, body []byte) (any, *apiError) {
	var in deleteStreamInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	st, name, apiErr := s.getStream(in.streamRef, nil)
	if apiErr != nil {
		return nil, apiErr
	}
	if apiErr := s.refuseWithChannels(name); apiErr != nil {
		return nil, apiErr
	}
	var doomed []*consumer
	err := s.updateStream(st, func(tx *store.Tx) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.gone {
			apiErr = s.streamNotFound(name)
			return nil
		}
		if st.meta.Status == statusDeleting {
			return nil
		}
		enforce := in.EnforceConsumerDeletion != nil && *in.EnforceConsumerDeletion
		has, started, err := s.deleteStreamConsumers(tx, st, enforce)
		if err != nil {
			return err
		}
		if has && !enforce {
			apiErr = s.consumersInUse(name)
			return nil
		}
		doomed = started
		st.meta.Status, st.meta.StatusSinceMs, st.meta.Pending = statusDeleting, s.nowMs(), nil
		return saveStream(tx, &st.meta)
	})
	if err != nil {
		st.mu.Lock()
		created := st.meta.CreatedMs
		st.mu.Unlock()
		s.cmu.Lock()
		cs := s.streamConsumers(name, created)
		s.cmu.Unlock()
		s.restoreConsumers(cs...)
		s.env.Log.Error("delete stream", "stream", name, "err", err)
		return nil, internalFailure()
	}
	if apiErr != nil {
		return nil, apiErr
	}
	for _, c := range doomed {
		s.endSubscriptions(c, nil)
		s.after(s.env.DeleteDelay, func() { s.finishConsumerTransition(c) })
	}
	s.after(s.env.DeleteDelay, func() { s.finishTransition(st) })
	return struct{}{}, nil
}

// resumeTransition schedules the end of a state change found at start-up.
func (s *Service) resumeTransition(st *stream) {
	s.resumeAfter(st.meta.Status, st.meta.StatusSinceMs, func() { s.finishTransition(st) })
}

// resumeAfter schedules finish, the end of a state change (of a stream or
// a consumer) found at start-up, at what is left of its status's delay.
func (s *Service) resumeAfter(status string, sinceMs int64, finish func()) {
	var d time.Duration
	switch status {
	case statusCreating:
		d = s.env.CreateDelay
	case statusDeleting:
		d = s.env.DeleteDelay
	case statusUpdating:
		d = s.env.UpdateDelay
	default:
		return
	}
	left := d - s.now().Sub(time.UnixMilli(sinceMs))
	s.after(max(left, 0), finish)
}

// finishTransition ends CREATING, UPDATING (applying the resharding) or
// DELETING (dropping the stream and its records).
func (s *Service) finishTransition(st *stream) {
	deleted := false
	err := s.updateStream(st, func(tx *store.Tx) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.gone {
			return nil
		}
		switch st.meta.Status {
		case statusCreating:
		case statusUpdating:
			if err := s.applyPending(tx, st); err != nil {
				return err
			}
		case statusDeleting:
			if err := tx.Bucket(bucketStreams).Delete([]byte(st.name)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketRecords).DeleteBucket([]byte(st.name)); err != nil && !errors.Is(err, store.ErrBucketNotFound) {
				return err
			}
			st.gone, deleted = true, true
			st.dropped.Store(true)
			return nil
		default:
			return nil
		}
		st.meta.Status, st.meta.StatusSinceMs, st.meta.Pending, st.meta.EncryptionBefore = statusActive, s.nowMs(), nil, nil
		return saveStream(tx, &st.meta)
	})
	if err != nil {
		// The stream is back in its stored state; the change is tried
		// again, as a restart would.
		s.env.Log.Error("finish stream state change; trying again in a second", "stream", st.name, "err", err)
		s.after(time.Second, func() { s.finishTransition(st) })
		return
	}
	if deleted {
		s.mu.Lock()
		if s.streams[st.name] == st {
			delete(s.streams, st.name)
		}
		s.mu.Unlock()
		s.subs.dropStream(st.name)
	}
}

// --- Describe / List ---------------------------------------------------
