package kinesis

import (
	"slices"
	"strings"
)

// Stream settings that take effect through UPDATING (capacity mode,
// server-side encryption), enhanced monitoring, and the account's limits.

const (
	modeProvisioned = "PROVISIONED"
	modeOnDemand    = "ON_DEMAND"

	// onDemandStreamCountLimit is AWS's default quota of on-demand streams.
	onDemandStreamCountLimit = 50
)

// beginUpdate applies change to an ACTIVE stream, puts it in UPDATING and
// schedules the return to ACTIVE after the update delay. change runs with
// the stream locked and may refuse with an error, leaving the stream as it
// was.
func (s *Service) beginUpdate(st *stream, name string, change func() *apiError) (any, *apiError) {
	out, apiErr := s.updateMeta(st, func() *apiError {
		if st.meta.Status != statusActive {
			return s.streamNotActive(name, st.meta.Status)
		}
		if err := change(); err != nil {
			return err
		}
		st.meta.Status, st.meta.StatusSinceMs = statusUpdating, s.nowMs()
		return nil
	})
	if apiErr != nil {
		return nil, apiErr
	}
	s.after(s.env.UpdateDelay, func() { s.finishTransition(st) })
	return out, nil
}

// --- UpdateStreamMode ----------------------------------------------------

type updateStreamModeInput struct {
	StreamARN         *string          `json:"StreamARN"`
	StreamId          *string          `json:"StreamId"`
	StreamModeDetails *streamModeInput `json:"StreamModeDetails"`
	// WarmThroughputMiBps is the warm throughput to keep once the stream
	// is on-demand; only valid when it is being made so.
	WarmThroughputMiBps *int64 `json:"WarmThroughputMiBps"`
}

func (s *Service) updateStreamMode(c codec, body []byte) (any, *apiError) {
	var in updateStreamModeInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	if in.StreamARN == nil {
		v.notNull(false, "streamARN")
	} else {
		v.length(*in.StreamARN, "streamARN", 1, 2048)
	}
	if in.StreamModeDetails == nil {
		v.notNull(false, "streamModeDetails")
	} else {
		in.StreamModeDetails.validate(&v)
	}
	v.intRange(in.WarmThroughputMiBps, "warmThroughputMiBps", 0, 2147483647)
	if err := v.err(); err != nil {
		return nil, err
	}
	st, name, apiErr := s.getStream(streamRef{StreamARN: in.StreamARN}, v)
	if apiErr != nil {
		return nil, apiErr
	}
	mode := in.StreamModeDetails.mode()
	// The warm throughput is checked as CreateStream checks it (its
	// refusals are spk's words too).
	warm := newerCreateInput{WarmThroughputMiBps: in.WarmThroughputMiBps}
	if err := warm.check(s, mode); err != nil {
		return nil, err
	}
	// Counted and changed under shardsMu, so two switches at the limit
	// cannot both pass.
	s.shardsMu.Lock()
	defer s.shardsMu.Unlock()
	onDemand := 0
	if mode == modeOnDemand {
		onDemand = s.countOnDemand()
	}
	return s.beginUpdate(st, name, func() *apiError {
		if st.meta.Mode == mode {
			return clientErr("InvalidArgumentException", "Stream %s under account %s is already in %s mode.", name, s.env.AccountID, mode)
		}
		if mode == modeOnDemand && onDemand >= onDemandStreamCountLimit {
			return s.onDemandLimitErr()
		}
		st.meta.Mode = mode
		if in.WarmThroughputMiBps != nil && mode == modeOnDemand {
			st.meta.WarmCurrentMiBps, st.meta.WarmTargetMiBps = 0, int(*in.WarmThroughputMiBps)
		}
		return nil
	})
}

// onDemandLimitErr refuses one more on-demand stream than the account may
// have.
func (s *Service) onDemandLimitErr() *apiError {
	return clientErr("LimitExceededException", "This request would exceed the on-demand stream count limit of %d for account %s.", onDemandStreamCountLimit, s.env.AccountID)
}

// --- DescribeLimits ------------------------------------------------------

type describeLimitsOutput struct {
	ShardLimit               int `json:"ShardLimit"`
	OpenShardCount           int `json:"OpenShardCount"`
	OnDemandStreamCount      int `json:"OnDemandStreamCount"`
	OnDemandStreamCountLimit int `json:"OnDemandStreamCountLimit"`
	// AWS's default channel quota is not published; spk reports the
	// count of channels and leaves ChannelCountLimit out.
	ChannelCount int `json:"ChannelCount"`
}

func (s *Service) liveStreams() []*stream {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*stream, 0, len(s.streams))
	for _, st := range s.streams {
		out = append(out, st)
	}
	return out
}

func (s *Service) countOnDemand() int {
	n := 0
	for _, st := range s.liveStreams() {
		st.mu.Lock()
		if !st.gone && st.meta.Mode == modeOnDemand {
			n++
		}
		st.mu.Unlock()
	}
	return n
}

// changingStreamLimit is how many streams an account may have CREATING or
// DELETING at once: CreateStream answers LimitExceededException past it
// (the CreateStream reference; AWS's answer names both states).
const changingStreamLimit = 5

// countChanging counts the streams being created or deleted.
func (s *Service) countChanging() int {
	n := 0
	for _, st := range s.liveStreams() {
		st.mu.Lock()
		if !st.gone && (st.meta.Status == statusCreating || st.meta.Status == statusDeleting) {
			n++
		}
		st.mu.Unlock()
	}
	return n
}

func (s *Service) describeLimits(c codec, body []byte) (any, *apiError) {
	var in struct{}
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	out := describeLimitsOutput{ShardLimit: s.shardLimit(), OnDemandStreamCountLimit: onDemandStreamCountLimit, ChannelCount: s.channelCount("")}
	for _, st := range s.liveStreams() {
		st.mu.Lock()
		if !st.gone {
			out.OpenShardCount += len(st.openShards())
			if st.meta.Mode == modeOnDemand {
				out.OnDemandStreamCount++
			}
		}
		st.mu.Unlock()
	}
	return out, nil
}

// --- StartStreamEncryption / StopStreamEncryption ------------------------

type encryptionInput struct {
	streamRef
	EncryptionType *string `json:"EncryptionType"`
	KeyId          *string `json:"KeyId"`
}

func (s *Service) startStreamEncryption(c codec, body []byte) (any, *apiError) {
	return s.changeEncryption(c, body, true)
}

func (s *Service) stopStreamEncryption(c codec, body []byte) (any, *apiError) {
	return s.changeEncryption(c, body, false)
}

// changeEncryption records the encryption settings; nothing is encrypted,
// and no KMS key is looked up.
func (s *Service) changeEncryption(c codec, body []byte, start bool) (any, *apiError) {
	var in encryptionInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	if in.EncryptionType == nil {
		v.notNull(false, "encryptionType")
	} else {
		v.enum(*in.EncryptionType, "encryptionType", "NONE", "KMS")
	}
	if in.KeyId == nil {
		v.notNull(false, "keyId")
	} else {
		v.length(*in.KeyId, "keyId", 1, 2048)
	}
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	if *in.EncryptionType != "KMS" {
		return nil, clientErr("InvalidArgumentException", "Encryption type %s is not supported; the only valid value is KMS.", *in.EncryptionType)
	}
	key := *in.KeyId
	return s.beginUpdate(st, name, func() *apiError {
		before := st.meta.EncryptionType
		st.meta.EncryptionBefore = &before
		if start {
			st.meta.EncryptionType, st.meta.KeyID = "KMS", key
		} else {
			st.meta.EncryptionType, st.meta.KeyID = "", ""
		}
		return nil
	})
}

// recordsEncrypted reports whether a record written now is encrypted: by
// the setting before a change still UPDATING, else by the stream's. The
// caller holds st.mu.
func (st *stream) recordsEncrypted() bool {
	if b := st.meta.EncryptionBefore; b != nil {
		return *b != ""
	}
	return st.meta.EncryptionType != ""
}

// encryption is the stream's EncryptionType as the API shows it; the
// caller holds st.mu.
func (st *stream) encryption() string {
	if st.meta.EncryptionType == "" {
		return "NONE"
	}
	return st.meta.EncryptionType
}

// --- EnableEnhancedMonitoring / DisableEnhancedMonitoring ----------------

// shardLevelMetrics are the metric names, in the order AWS lists them.
var shardLevelMetrics = []string{
	"IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
	"WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
	"IteratorAgeMilliseconds",
}

type enhancedMonitoringInput struct {
	streamRef
	ShardLevelMetrics []string `json:"ShardLevelMetrics"`
}

type enhancedMonitoringOutput struct {
	StreamName               string   `json:"StreamName"`
	StreamARN                string   `json:"StreamARN"`
	CurrentShardLevelMetrics []string `json:"CurrentShardLevelMetrics"`
	DesiredShardLevelMetrics []string `json:"DesiredShardLevelMetrics"`
}

func (s *Service) enableEnhancedMonitoring(c codec, body []byte) (any, *apiError) {
	return s.changeMonitoring(c, body, true)
}

func (s *Service) disableEnhancedMonitoring(c codec, body []byte) (any, *apiError) {
	return s.changeMonitoring(c, body, false)
}

func (s *Service) changeMonitoring(c codec, body []byte, enable bool) (any, *apiError) {
	var in enhancedMonitoringInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	allowed := append(append([]string{}, shardLevelMetrics...), "ALL")
	switch {
	case in.ShardLevelMetrics == nil:
		v.notNull(false, "shardLevelMetrics")
	case len(in.ShardLevelMetrics) < 1:
		v.add("[]", "shardLevelMetrics", "Member must have length greater than or equal to 1")
	case len(in.ShardLevelMetrics) > 7:
		v.add("["+strings.Join(in.ShardLevelMetrics, ", ")+"]", "shardLevelMetrics", "Member must have length less than or equal to 7")
	}
	for _, m := range in.ShardLevelMetrics {
		if !slices.Contains(allowed, m) {
			v.add("["+strings.Join(in.ShardLevelMetrics, ", ")+"]", "shardLevelMetrics",
				"Member must satisfy constraint: [Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]]")
			break
		}
	}
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	named := map[string]bool{}
	for _, m := range in.ShardLevelMetrics {
		if m == "ALL" {
			for _, a := range shardLevelMetrics {
				named[a] = true
			}
		}
		named[m] = true
	}
	var out enhancedMonitoringOutput
	_, apiErr = s.updateMeta(st, func() *apiError {
		if st.meta.Status != statusActive {
			return s.streamNotActive(name, st.meta.Status)
		}
		current := st.meta.ShardLevelMetrics
		desired := []string{}
		for _, m := range shardLevelMetrics {
			if on := slices.Contains(current, m); enable && (on || named[m]) || !enable && on && !named[m] {
				desired = append(desired, m)
			}
		}
		out = enhancedMonitoringOutput{
			StreamName: name, StreamARN: s.streamARN(name),
			CurrentShardLevelMetrics: append([]string{}, current...), DesiredShardLevelMetrics: desired,
		}
		st.meta.ShardLevelMetrics = desired
		if len(desired) == 0 {
			st.meta.ShardLevelMetrics = nil
		}
		return nil
	})
	if apiErr != nil {
		return nil, apiErr
	}
	return out, nil
}

// enhancedMonitoring is the stream's EnhancedMonitoring as DescribeStream
// shows it; the caller holds st.mu.
func (st *stream) enhancedMonitoring() []enhancedMetrics {
	return []enhancedMetrics{{ShardLevelMetrics: append([]string{}, st.meta.ShardLevelMetrics...)}}
}
