package kinesis

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
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
	StreamName        *string            `json:"StreamName"`
	ShardCount        *int64             `json:"ShardCount"`
	StreamModeDetails *streamModeDetails `json:"StreamModeDetails"`
	Tags              map[string]string  `json:"Tags"`
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
	mode := "PROVISIONED"
	if in.StreamModeDetails != nil {
		v.enum(in.StreamModeDetails.StreamMode, "streamModeDetails.streamMode", "PROVISIONED", "ON_DEMAND")
		mode = in.StreamModeDetails.StreamMode
	}
	if in.Tags != nil {
		v.tagMap(in.Tags, "tags", 0, maxStreamTags)
	}
	in.validate(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	if e := checkTags(in.Tags, "create", *in.StreamName, s.env.AccountID); e != nil {
		return nil, e
	}
	if err := in.check(s, mode); err != nil {
		return nil, err
	}
	shards := defaultShardCount
	if in.ShardCount != nil {
		shards = int(*in.ShardCount)
	}
	name := *in.StreamName
	// Counted before taking the service's lock (see accountShards); two
	// concurrent creations may both fit where only one would.
	inAccount := s.accountShards()

	s.mu.Lock()
	if _, ok := s.streams[name]; ok {
		s.mu.Unlock()
		return nil, clientErr("ResourceInUseException", "Stream %s under account %s already exists.", name, s.env.AccountID)
	}
	if e := s.checkShardLimit(inAccount, shards); e != nil {
		s.mu.Unlock()
		return nil, e
	}
	now := s.nowMs()
	st := &stream{meta: streamMeta{
		Name: name, CreatedMs: now, Status: statusCreating, StatusSinceMs: now,
		Mode: mode, RetentionHours: defaultRetentionHours, InitialShards: shards, Tags: in.Tags,
	}}
	in.apply(&st.meta)
	for i, r := range evenRanges(shards) {
		sh := &shardMeta{Index: i, Parent: -1, AdjacentParent: -1, CreatedMs: now}
		sh.setRange(r[0], r[1])
		st.meta.Shards = append(st.meta.Shards, sh)
	}
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
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
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
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
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
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
			if err := tx.Bucket(bucketStreams).Delete([]byte(st.meta.Name)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketRecords).DeleteBucket([]byte(st.meta.Name)); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
				return err
			}
			st.gone, deleted = true, true
			return nil
		default:
			return nil
		}
		st.meta.Status, st.meta.StatusSinceMs, st.meta.Pending = statusActive, s.nowMs(), nil
		return saveStream(tx, &st.meta)
	})
	if err != nil {
		s.env.Log.Error("finish stream state change", "stream", st.meta.Name, "err", err)
		return
	}
	if deleted {
		s.mu.Lock()
		if s.streams[st.meta.Name] == st {
			delete(s.streams, st.meta.Name)
		}
		s.mu.Unlock()
	}
}

// --- Describe / List ---------------------------------------------------

type describeStreamInput struct {
	streamRef
	Limit                 *int64  `json:"Limit"`
	ExclusiveStartShardId *string `json:"ExclusiveStartShardId"`
}

type streamDescription struct {
	StreamName              string            `json:"StreamName"`
	StreamARN               string            `json:"StreamARN"`
	StreamStatus            string            `json:"StreamStatus"`
	StreamModeDetails       streamModeDetails `json:"StreamModeDetails"`
	Shards                  []shardOut        `json:"Shards"`
	HasMoreShards           bool              `json:"HasMoreShards"`
	RetentionPeriodHours    int               `json:"RetentionPeriodHours"`
	StreamCreationTimestamp epochMs           `json:"StreamCreationTimestamp"`
	EnhancedMonitoring      []enhancedMetrics `json:"EnhancedMonitoring"`
	EncryptionType          string            `json:"EncryptionType"`
	KeyId                   string            `json:"KeyId,omitempty"`
}

func (s *Service) describeStream(c codec, body []byte) (any, *apiError) {
	var in describeStreamInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.intRange(in.Limit, "limit", 1, 10000)
	v.shardID(in.ExclusiveStartShardId, "exclusiveStartShardId", false)
	st, _, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	limit := 100
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	after := -1
	if in.ExclusiveStartShardId != nil {
		if i, ok := parseShardID(*in.ExclusiveStartShardId); ok {
			after = i
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone {
		return nil, s.streamNotFound(st.meta.Name)
	}
	d := streamDescription{
		StreamName: st.meta.Name, StreamARN: s.streamARN(st.meta.Name), StreamStatus: st.meta.Status,
		StreamModeDetails: streamModeDetails{st.meta.Mode}, Shards: []shardOut{},
		RetentionPeriodHours: st.meta.RetentionHours, StreamCreationTimestamp: epochMs(st.meta.CreatedMs),
		EnhancedMonitoring: st.enhancedMonitoring(), EncryptionType: st.encryption(), KeyId: st.meta.KeyID,
	}
	if st.meta.Status != statusCreating {
		for _, sh := range st.meta.Shards {
			if sh.Index <= after {
				continue
			}
			if len(d.Shards) == limit {
				d.HasMoreShards = true
				break
			}
			d.Shards = append(d.Shards, st.shardOut(sh))
		}
	}
	return map[string]any{"StreamDescription": d}, nil
}

type streamDescriptionSummary struct {
	StreamName              string            `json:"StreamName"`
	StreamARN               string            `json:"StreamARN"`
	StreamStatus            string            `json:"StreamStatus"`
	StreamModeDetails       streamModeDetails `json:"StreamModeDetails"`
	RetentionPeriodHours    int               `json:"RetentionPeriodHours"`
	StreamCreationTimestamp epochMs           `json:"StreamCreationTimestamp"`
	EnhancedMonitoring      []enhancedMetrics `json:"EnhancedMonitoring"`
	EncryptionType          string            `json:"EncryptionType"`
	KeyId                   string            `json:"KeyId,omitempty"`
	OpenShardCount          int               `json:"OpenShardCount"`
	ConsumerCount           int               `json:"ConsumerCount"`
	newerSummary
}

func (s *Service) describeStreamSummary(c codec, body []byte) (any, *apiError) {
	var in streamRef
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	st, _, apiErr := s.getStream(in, nil)
	if apiErr != nil {
		return nil, apiErr
	}
	commitment := s.commitmentInEffect()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone {
		return nil, s.streamNotFound(st.meta.Name)
	}
	open := 0
	if st.meta.Status != statusCreating {
		open = len(st.openShards())
	}
	return map[string]any{"StreamDescriptionSummary": streamDescriptionSummary{
		StreamName: st.meta.Name, StreamARN: s.streamARN(st.meta.Name), StreamStatus: st.meta.Status,
		StreamModeDetails: streamModeDetails{st.meta.Mode}, RetentionPeriodHours: st.meta.RetentionHours,
		StreamCreationTimestamp: epochMs(st.meta.CreatedMs), EnhancedMonitoring: st.enhancedMonitoring(),
		EncryptionType: st.encryption(), KeyId: st.meta.KeyID, OpenShardCount: open,
		ConsumerCount: s.consumerCount(st.meta.Name, st.meta.CreatedMs),
		newerSummary:  s.newerSummary(st, commitment),
	}}, nil
}

type listStreamsInput struct {
	Limit                    *int64  `json:"Limit"`
	ExclusiveStartStreamName *string `json:"ExclusiveStartStreamName"`
	NextToken                *string `json:"NextToken"`
}

type streamSummary struct {
	StreamName              string            `json:"StreamName"`
	StreamARN               string            `json:"StreamARN"`
	StreamStatus            string            `json:"StreamStatus"`
	StreamModeDetails       streamModeDetails `json:"StreamModeDetails"`
	StreamCreationTimestamp epochMs           `json:"StreamCreationTimestamp"`
}

type listStreamsOutput struct {
	StreamNames     []string        `json:"StreamNames"`
	HasMoreStreams  bool            `json:"HasMoreStreams"`
	NextToken       string          `json:"NextToken,omitempty"`
	StreamSummaries []streamSummary `json:"StreamSummaries"`
}

func (s *Service) listStreams(c codec, body []byte) (any, *apiError) {
	var in listStreamsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.intRange(in.Limit, "limit", 1, 10000)
	v.optStreamName(in.ExclusiveStartStreamName, "exclusiveStartStreamName")
	v.optLength(in.NextToken, "nextToken", 1, 1048576)
	if err := v.err(); err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	after := ""
	if in.ExclusiveStartStreamName != nil {
		after = *in.ExclusiveStartStreamName
	}
	if in.NextToken != nil {
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil || len(b) == 0 {
			return nil, clientErr("InvalidArgumentException", "Invalid NextToken.")
		}
		after = string(b)
	}
	s.mu.RLock()
	names := sortedNames(s.streams)
	streams := make([]*stream, len(names))
	for i, n := range names {
		streams[i] = s.streams[n]
	}
	s.mu.RUnlock()
	out := listStreamsOutput{StreamNames: []string{}, StreamSummaries: []streamSummary{}}
	for i, n := range names {
		if n <= after {
			continue
		}
		if len(out.StreamNames) == limit {
			out.HasMoreStreams = true
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(out.StreamNames[len(out.StreamNames)-1]))
			break
		}
		st := streams[i]
		st.mu.Lock()
		sum := streamSummary{StreamName: n, StreamARN: s.streamARN(n), StreamStatus: st.meta.Status,
			StreamModeDetails: streamModeDetails{st.meta.Mode}, StreamCreationTimestamp: epochMs(st.meta.CreatedMs)}
		st.mu.Unlock()
		out.StreamNames = append(out.StreamNames, n)
		out.StreamSummaries = append(out.StreamSummaries, sum)
	}
	return out, nil
}

type shardFilter struct {
	Type      string     `json:"Type"`
	ShardId   *string    `json:"ShardId"`
	Timestamp *epochTime `json:"Timestamp"`
}

type listShardsInput struct {
	streamRef
	NextToken               *string      `json:"NextToken"`
	ExclusiveStartShardId   *string      `json:"ExclusiveStartShardId"`
	MaxResults              *int64       `json:"MaxResults"`
	StreamCreationTimestamp *epochTime   `json:"StreamCreationTimestamp"`
	ShardFilter             *shardFilter `json:"ShardFilter"`
}

// listShardsToken is the content of a ListShards NextToken.
type listShardsToken struct {
	Stream  string       `json:"s"`
	Created int64        `json:"c"`
	After   int          `json:"a"`
	Filter  *shardFilter `json:"f,omitempty"`
}

func (s *Service) listShards(c codec, body []byte) (any, *apiError) {
	var in listShardsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.shardID(in.ExclusiveStartShardId, "exclusiveStartShardId", false)
	v.intRange(in.MaxResults, "maxResults", 1, 10000)
	v.optLength(in.NextToken, "nextToken", 1, 1048576)
	name := s.resolveName(in.StreamName, in.StreamARN, &v)
	if f := in.ShardFilter; f != nil {
		if f.Type == "" {
			v.notNull(false, "shardFilter.type")
		} else {
			v.enum(f.Type, "shardFilter.type", "AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST", "AT_TIMESTAMP", "FROM_TIMESTAMP")
		}
		v.shardID(f.ShardId, "shardFilter.shardId", false)
	}
	name = s.orStreamID(name, in.StreamId, &v)
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.StreamName != nil || in.StreamARN != nil {
		var apiErr *apiError
		if name, apiErr = s.refName(in.StreamName, in.StreamARN, v); apiErr != nil {
			return nil, apiErr
		}
	}
	after := -1
	filter := in.ShardFilter
	if in.NextToken != nil {
		if name != "" {
			return nil, clientErr("InvalidArgumentException", "NextToken and StreamName cannot be provided together.")
		}
		var tok listShardsToken
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil || json.Unmarshal(b, &tok) != nil || tok.Stream == "" {
			return nil, clientErr("InvalidArgumentException", "Invalid NextToken.")
		}
		name, after, filter = tok.Stream, tok.After, tok.Filter
	} else if name == "" {
		return nil, clientErr("InvalidArgumentException", "Either NextToken or StreamName should be provided.")
	}
	if in.ExclusiveStartShardId != nil {
		if i, ok := parseShardID(*in.ExclusiveStartShardId); ok {
			after = max(after, i)
		}
	}
	if filter != nil {
		switch filter.Type {
		case "AFTER_SHARD_ID":
			if filter.ShardId == nil {
				return nil, clientErr("InvalidArgumentException", "Must specify a shardId parameter for ShardFilter type AFTER_SHARD_ID.")
			}
			if i, ok := parseShardID(*filter.ShardId); ok {
				after = max(after, i)
			}
		case "AT_TIMESTAMP", "FROM_TIMESTAMP":
			if filter.Timestamp == nil {
				return nil, clientErr("InvalidArgumentException", "Must specify a timestamp parameter for ShardFilter type %s.", filter.Type)
			}
		}
	}
	st := s.lookup(name)
	if st == nil {
		return nil, s.streamNotFound(name)
	}
	limit := 1000
	if in.MaxResults != nil {
		limit = int(*in.MaxResults)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone {
		return nil, s.streamNotFound(name)
	}
	if st.meta.Status == statusCreating {
		return nil, clientErr("ResourceInUseException", "Stream %s under account %s is not ACTIVE, instead in state CREATING.", name, s.env.AccountID)
	}
	shards := []shardOut{}
	next := ""
	last := after
	for _, sh := range st.meta.Shards {
		if sh.Index <= after || !filterMatches(filter, sh) {
			continue
		}
		if len(shards) == limit {
			tok, _ := json.Marshal(listShardsToken{Stream: name, Created: st.meta.CreatedMs, After: last, Filter: filter})
			next = base64.RawURLEncoding.EncodeToString(tok)
			break
		}
		shards = append(shards, st.shardOut(sh))
		last = sh.Index
	}
	out := map[string]any{"Shards": shards}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func filterMatches(f *shardFilter, sh *shardMeta) bool {
	if f == nil {
		return true
	}
	switch f.Type {
	case "AT_LATEST":
		return sh.open()
	case "AT_TIMESTAMP":
		ts := f.Timestamp.UnixMilli()
		return sh.CreatedMs <= ts && (sh.open() || sh.ClosedMs > ts)
	case "FROM_TIMESTAMP":
		ts := f.Timestamp.UnixMilli()
		return sh.open() || sh.ClosedMs > ts
	case "AT_TRIM_HORIZON":
		// Shards open at the trim horizon; spk keeps every shard, so
		// those are the shards the stream started with.
		return sh.Parent < 0
	}
	return true
}

// --- Tags --------------------------------------------------------------

type addTagsInput struct {
	streamRef
	Tags map[string]string `json:"Tags"`
}

func (s *Service) addTagsToStream(c codec, body []byte) (any, *apiError) {
	var in addTagsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.notNull(in.Tags != nil, "tags")
	if in.Tags != nil {
		v.tagMap(in.Tags, "tags", 1, maxTagsPerCall)
	}
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	if e := checkTags(in.Tags, "add tags to", name, s.env.AccountID); e != nil {
		return nil, e
	}
	return s.updateMeta(st, func() *apiError {
		merged := len(st.meta.Tags)
		for k := range in.Tags {
			if _, ok := st.meta.Tags[k]; !ok {
				merged++
			}
		}
		if merged > maxStreamTags {
			return clientErr("InvalidArgumentException", "Failed to add tags to stream %s under account %s because a given stream cannot have more than %d tags associated with it.", name, s.env.AccountID, maxStreamTags)
		}
		if st.meta.Tags == nil {
			st.meta.Tags = map[string]string{}
		}
		for k, val := range in.Tags {
			st.meta.Tags[k] = val
		}
		return nil
	})
}

type removeTagsInput struct {
	streamRef
	TagKeys []string `json:"TagKeys"`
}

func (s *Service) removeTagsFromStream(c codec, body []byte) (any, *apiError) {
	var in removeTagsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.notNull(in.TagKeys != nil, "tagKeys")
	if in.TagKeys != nil {
		v.tagKeys(in.TagKeys, "tagKeys")
	}
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	if e := checkTagChars(in.TagKeys, "remove tags from", name, s.env.AccountID); e != nil {
		return nil, e
	}
	return s.updateMeta(st, func() *apiError {
		for _, k := range in.TagKeys {
			delete(st.meta.Tags, k)
		}
		return nil
	})
}

type listTagsInput struct {
	streamRef
	ExclusiveStartTagKey *string `json:"ExclusiveStartTagKey"`
	Limit                *int64  `json:"Limit"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func (s *Service) listTagsForStream(c codec, body []byte) (any, *apiError) {
	var in listTagsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.intRange(in.Limit, "limit", 1, 50)
	v.optLength(in.ExclusiveStartTagKey, "exclusiveStartTagKey", 1, 128)
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	limit := 50
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone {
		return nil, s.streamNotFound(name)
	}
	keys := make([]string, 0, len(st.meta.Tags))
	for k := range st.meta.Tags {
		if in.ExclusiveStartTagKey == nil || k > *in.ExclusiveStartTagKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	more := len(keys) > limit
	if more {
		keys = keys[:limit]
	}
	tags := make([]tag, len(keys))
	for i, k := range keys {
		tags[i] = tag{k, st.meta.Tags[k]}
	}
	return map[string]any{"Tags": tags, "HasMoreTags": more}, nil
}

// updateMeta applies change to a live stream's metadata and persists it.
func (s *Service) updateMeta(st *stream, change func() *apiError) (any, *apiError) {
	var apiErr *apiError
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.gone {
			apiErr = s.streamNotFound(st.meta.Name)
			return nil
		}
		if apiErr = change(); apiErr != nil {
			return nil
		}
		return saveStream(tx, &st.meta)
	})
	if err != nil {
		s.env.Log.Error("update stream", "stream", st.meta.Name, "err", err)
		return nil, internalFailure()
	}
	if apiErr != nil {
		return nil, apiErr
	}
	return struct{}{}, nil
}

// --- Retention ---------------------------------------------------------

type retentionInput struct {
	streamRef
	RetentionPeriodHours *int64 `json:"RetentionPeriodHours"`
}

func (s *Service) increaseRetention(c codec, body []byte) (any, *apiError) {
	return s.changeRetention(c, body, true)
}

func (s *Service) decreaseRetention(c codec, body []byte) (any, *apiError) {
	return s.changeRetention(c, body, false)
}

func (s *Service) changeRetention(c codec, body []byte, increase bool) (any, *apiError) {
	var in retentionInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.notNull(in.RetentionPeriodHours != nil, "retentionPeriodHours")
	v.intRange(in.RetentionPeriodHours, "retentionPeriodHours", 1, 2147483647)
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	h := int(*in.RetentionPeriodHours)
	return s.updateMeta(st, func() *apiError {
		if h < defaultRetentionHours {
			return clientErr("InvalidArgumentException", "Minimum allowed retention period is 24 hours. Requested retention period (%d hours) is too short.", h)
		}
		if h > maxRetentionHours {
			return clientErr("InvalidArgumentException", "Maximum allowed retention period is 8760 hours. Requested retention period (%d hours) is too long.", h)
		}
		if st.meta.Status != statusActive {
			return s.streamNotActive(name, st.meta.Status)
		}
		cur := st.meta.RetentionHours
		if increase && h < cur {
			return clientErr("InvalidArgumentException", "Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", h, name, cur)
		}
		if !increase && h > cur {
			return clientErr("InvalidArgumentException", "Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", h, name, cur)
		}
		st.meta.RetentionHours = h
		return nil
	})
}
