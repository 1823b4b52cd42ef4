package kinesis

import (
	"encoding/base64"
	"encoding/json"
	"time"
)

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
	// A larger Limit still answers at most 100 shards, as Kinesis does.
	limit := 100
	if in.Limit != nil {
		limit = min(int(*in.Limit), 100)
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
		return nil, s.streamNotFound(st.name)
	}
	d := streamDescription{
		StreamName: st.name, StreamARN: s.streamARN(st.name), StreamStatus: st.meta.Status,
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
		return nil, s.streamNotFound(st.name)
	}
	open := 0
	if st.meta.Status != statusCreating {
		open = len(st.openShards())
	}
	return map[string]any{"StreamDescriptionSummary": streamDescriptionSummary{
		StreamName: st.name, StreamARN: s.streamARN(st.name), StreamStatus: st.meta.Status,
		StreamModeDetails: streamModeDetails{st.meta.Mode}, RetentionPeriodHours: st.meta.RetentionHours,
		StreamCreationTimestamp: epochMs(st.meta.CreatedMs), EnhancedMonitoring: st.enhancedMonitoring(),
		EncryptionType: st.encryption(), KeyId: st.meta.KeyID, OpenShardCount: open,
		ConsumerCount: s.consumerCount(st.name, st.meta.CreatedMs),
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
	// A larger Limit still answers at most 100 streams, as Kinesis does.
	limit := 100
	if in.Limit != nil {
		limit = min(int(*in.Limit), 100)
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
	Type      *string    `json:"Type"` // a pointer: "" is not in the enum, absent is null
	ShardId   *string    `json:"ShardId"`
	Timestamp *epochTime `json:"Timestamp"`
}

// kind is the filter's type; a token's filter may have none.
func (f *shardFilter) kind() string {
	if f.Type == nil {
		return ""
	}
	return *f.Type
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
	Stream   string       `json:"s"`
	Created  int64        `json:"c"`
	After    int          `json:"a"`
	Filter   *shardFilter `json:"f,omitempty"`
	IssuedMs int64        `json:"i"`
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
		if f.Type == nil {
			v.notNull(false, "shardFilter.type")
		} else {
			v.enum(*f.Type, "shardFilter.type", "AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST", "AT_TIMESTAMP", "FROM_TIMESTAMP")
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
	var tokenCreated int64
	if in.NextToken != nil {
		switch {
		case name != "" && in.StreamName == nil && in.StreamARN != nil:
			return nil, clientErr("InvalidArgumentException", "NextToken and StreamARN cannot be provided together.")
		case name != "":
			return nil, clientErr("InvalidArgumentException", "NextToken and StreamName cannot be provided together.")
		case in.ExclusiveStartShardId != nil:
			return nil, clientErr("InvalidArgumentException", "NextToken and ExclusiveStartShardId cannot be provided together.")
		case in.StreamCreationTimestamp != nil:
			return nil, clientErr("InvalidArgumentException", "NextToken and StreamCreationTimestamp cannot be provided together.")
		}
		var tok listShardsToken
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil || json.Unmarshal(b, &tok) != nil || tok.Stream == "" {
			return nil, clientErr("InvalidArgumentException", "Invalid NextToken.")
		}
		if s.now().Sub(time.UnixMilli(tok.IssuedMs)) > nextTokenLife {
			return nil, clientErr("ExpiredNextTokenException", "The NextToken has expired: tokens are valid for %d seconds.", int(nextTokenLife/time.Second))
		}
		name, after, filter, tokenCreated = tok.Stream, tok.After, tok.Filter, tok.Created
	} else if name == "" {
		return nil, clientErr("InvalidArgumentException", "Either NextToken or StreamName should be provided.")
	}
	if in.ExclusiveStartShardId != nil {
		if i, ok := parseShardID(*in.ExclusiveStartShardId); ok {
			after = max(after, i)
		}
	}
	if filter != nil {
		switch filter.kind() {
		case "AFTER_SHARD_ID":
			if filter.ShardId == nil {
				return nil, clientErr("InvalidArgumentException", "Must specify a shardId parameter for ShardFilter type AFTER_SHARD_ID.")
			}
			if i, ok := parseShardID(*filter.ShardId); ok {
				after = max(after, i)
			}
		case "AT_TIMESTAMP", "FROM_TIMESTAMP":
			if filter.Timestamp == nil {
				return nil, clientErr("InvalidArgumentException", "Must specify a timestamp parameter for ShardFilter type %s.", filter.kind())
			}
		}
	}
	st := s.lookup(name)
	if st == nil {
		return nil, s.streamNotFound(name)
	}
	// A larger MaxResults still answers at most 1000 shards, as Kinesis does.
	limit := 1000
	if in.MaxResults != nil {
		limit = min(int(*in.MaxResults), 1000)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone {
		return nil, s.streamNotFound(name)
	}
	if st.meta.Status == statusCreating {
		return nil, clientErr("ResourceInUseException", "Stream %s under account %s is not ACTIVE, instead in state CREATING.", name, s.env.AccountID)
	}
	switch {
	case in.NextToken != nil && tokenCreated != st.meta.CreatedMs:
		return nil, clientErr("InvalidArgumentException", "NextToken was issued for another stream.")
	case in.StreamCreationTimestamp != nil && in.StreamCreationTimestamp.UnixMilli()/1000 != st.meta.CreatedMs/1000:
		// A stream of that name created at another time: not this one.
		return nil, s.streamNotFound(name)
	}
	shards := []shardOut{}
	next := ""
	last := after
	horizon := st.meta.retentionCutoff(s.nowMs())
	for _, sh := range st.meta.Shards {
		if sh.Index <= after || !filterMatches(filter, sh, horizon) {
			continue
		}
		if len(shards) == limit {
			tok, _ := json.Marshal(listShardsToken{Stream: name, Created: st.meta.CreatedMs, After: last, Filter: filter, IssuedMs: s.nowMs()})
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

// filterMatches says whether ListShards lists shard sh with filter f;
// horizonMs is the stream's trim horizon, before which records are past
// retention.
func filterMatches(f *shardFilter, sh *shardMeta, horizonMs int64) bool {
	// ListShards "does not list expired shards", whatever the filter
	// (API_ListShards): closed ones whose records have all passed the
	// retention period. Without a filter it lists FROM_TRIM_HORIZON's,
	// its documented default: every other shard.
	if !sh.open() && sh.ClosedMs < horizonMs {
		return false
	}
	if f == nil {
		return true
	}
	switch f.kind() {
	case "AT_LATEST":
		return sh.open()
	case "AT_TIMESTAMP":
		ts := f.Timestamp.UnixMilli()
		// A shard that closed at the timestamp is still listed: its end
		// is "greater than or equal to" it (API_ShardFilter).
		return sh.CreatedMs <= ts && (sh.open() || sh.ClosedMs >= ts)
	case "FROM_TIMESTAMP":
		ts := f.Timestamp.UnixMilli()
		return sh.open() || sh.ClosedMs >= ts
	case "AT_TRIM_HORIZON":
		// The shards open at the trim horizon: of a stream younger than
		// its retention, the ones it started with.
		return sh.Parent < 0 || sh.CreatedMs <= horizonMs
	}
	return true
}

// --- Tags --------------------------------------------------------------
