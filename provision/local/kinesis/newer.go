package kinesis

import (
	"crypto/rand"
	"encoding/json"
	"strings"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// The newest operations of the API: the stream's maximum record size, warm
// throughput, record distribution strategy, and the account's minimum
// throughput billing commitment.

const (
	defaultMaxRecordKiB = 1024
	maxMaxRecordKiB     = 10240

	// maxWarmThroughputMiBps is AWS's default ceiling of an on-demand
	// stream's warm throughput (10 GiBps).
	maxWarmThroughputMiBps = 10240

	distributionAuto = "AUTO"
	distributionUser = "USER_PARTITION_KEY"

	commitmentEnabled      = "ENABLED"
	commitmentDisabled     = "DISABLED"
	commitmentEndingLater  = "ENABLED_UNTIL_EARLIEST_ALLOWED_END"
	commitmentMinimumHours = 24
)

var keyAccountSettings = []byte("account-settings")

// maxRecordKiB is the stream's maximum record size; the caller holds st.mu.
func (st *stream) maxRecordKiB() int {
	if st.meta.MaxRecordKiB == 0 {
		return defaultMaxRecordKiB
	}
	return st.meta.MaxRecordKiB
}

// recordLimit is the largest record data, in bytes, the stream ref names
// accepts: its maximum record size, or the default when the reference does
// not name a live stream (the request then fails on that).
func (s *Service) recordLimit(ref streamRef) int {
	var scratch validation
	st := s.lookup(s.orStreamID(s.resolveName(ref.StreamName, ref.StreamARN, &scratch), ref.StreamId, &scratch))
	if st == nil {
		return defaultMaxRecordKiB << 10
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.maxRecordKiB() << 10
}

// --- UpdateMaxRecordSize -------------------------------------------------

type updateMaxRecordSizeInput struct {
	StreamARN          *string `json:"StreamARN"`
	StreamId           *string `json:"StreamId"`
	MaxRecordSizeInKiB *int64  `json:"MaxRecordSizeInKiB"`
}

func (s *Service) updateMaxRecordSize(c codec, body []byte) (any, *apiError) {
	var in updateMaxRecordSizeInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.streamARN(in.StreamARN)
	v.notNull(in.MaxRecordSizeInKiB != nil, "maxRecordSizeInKiB")
	v.intRange(in.MaxRecordSizeInKiB, "maxRecordSizeInKiB", defaultMaxRecordKiB, maxMaxRecordKiB)
	st, name, apiErr := s.getStream(streamRef{StreamARN: in.StreamARN, StreamId: in.StreamId}, v)
	if apiErr != nil {
		return nil, apiErr
	}
	kib := int(*in.MaxRecordSizeInKiB)
	return s.beginUpdate(st, name, func() *apiError {
		st.meta.MaxRecordKiB = kib
		return nil
	})
}

// --- UpdateStreamWarmThroughput ------------------------------------------

type updateWarmThroughputInput struct {
	streamRef
	WarmThroughputMiBps *int64 `json:"WarmThroughputMiBps"`
}

type warmThroughput struct {
	TargetMiBps  int `json:"TargetMiBps"`
	CurrentMiBps int `json:"CurrentMiBps"`
}

type updateWarmThroughputOutput struct {
	StreamARN      string         `json:"StreamARN"`
	StreamName     string         `json:"StreamName"`
	WarmThroughput warmThroughput `json:"WarmThroughput"`
}

// warmThroughput is the stream's WarmThroughput as DescribeStreamSummary
// shows it, or nil where AWS leaves it out (provisioned streams, and
// on-demand streams in accounts without the billing commitment that never
// had a warm throughput set); the caller holds st.mu.
func (st *stream) warmThroughput(commitment bool) *warmThroughput {
	if st.meta.Mode != modeOnDemand || !commitment && st.meta.WarmTargetMiBps == 0 {
		return nil
	}
	w := &warmThroughput{TargetMiBps: st.meta.WarmTargetMiBps, CurrentMiBps: st.meta.WarmTargetMiBps}
	if st.meta.Status == statusUpdating {
		w.CurrentMiBps = st.meta.WarmCurrentMiBps
	}
	return w
}

func (s *Service) updateStreamWarmThroughput(c codec, body []byte) (any, *apiError) {
	var in updateWarmThroughputInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.notNull(in.WarmThroughputMiBps != nil, "warmThroughputMiBps")
	v.intRange(in.WarmThroughputMiBps, "warmThroughputMiBps", 0, 2147483647)
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	target := int(*in.WarmThroughputMiBps)
	commitment := s.commitmentInEffect()
	var out updateWarmThroughputOutput
	_, apiErr = s.beginUpdate(st, name, func() *apiError {
		// The wording of these three refusals is spk's own.
		if st.meta.Mode != modeOnDemand {
			return clientErr("InvalidArgumentException", "Stream %s under account %s is in %s mode; warm throughput is only supported for ON_DEMAND streams.", name, s.env.AccountID, st.meta.Mode)
		}
		if !commitment {
			return clientErr("InvalidArgumentException", "Warm throughput requires the minimum throughput billing commitment to be enabled for account %s.", s.env.AccountID)
		}
		if target > maxWarmThroughputMiBps {
			return clientErr("LimitExceededException", "Requested warm throughput of %d MiBps for stream %s under account %s exceeds the limit of %d MiBps.", target, name, s.env.AccountID, maxWarmThroughputMiBps)
		}
		st.meta.WarmCurrentMiBps = st.meta.WarmTargetMiBps
		st.meta.WarmTargetMiBps = target
		out = updateWarmThroughputOutput{StreamARN: s.streamARN(name), StreamName: name,
			WarmThroughput: warmThroughput{TargetMiBps: target, CurrentMiBps: st.meta.WarmCurrentMiBps}}
		return nil
	})
	if apiErr != nil {
		return nil, apiErr
	}
	return out, nil
}

// --- UpdateStreamRecordDistributionStrategy ------------------------------

type updateDistributionInput struct {
	StreamARN                  *string `json:"StreamARN"`
	StreamId                   *string `json:"StreamId"`
	RecordDistributionStrategy *string `json:"RecordDistributionStrategy"`
}

// recordDistribution is the stream's RecordDistributionStrategy as
// DescribeStreamSummary shows it: only on on-demand streams; the caller
// holds st.mu.
func (st *stream) recordDistribution() string {
	if st.meta.Mode != modeOnDemand {
		return ""
	}
	if st.meta.Distribution == "" {
		return distributionUser
	}
	return st.meta.Distribution
}

func (s *Service) updateStreamRecordDistributionStrategy(c codec, body []byte) (any, *apiError) {
	var in updateDistributionInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	if in.StreamARN == nil {
		v.notNull(false, "streamARN")
	} else {
		v.length(*in.StreamARN, "streamARN", 1, 2048)
	}
	v.streamID(in.StreamId)
	if in.RecordDistributionStrategy == nil {
		v.notNull(false, "recordDistributionStrategy")
	} else {
		v.enum(*in.RecordDistributionStrategy, "recordDistributionStrategy", distributionAuto, distributionUser)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	st, name, apiErr := s.getStream(streamRef{StreamARN: in.StreamARN}, v)
	if apiErr != nil {
		return nil, apiErr
	}
	strategy := *in.RecordDistributionStrategy
	// The change takes effect at once, without UPDATING.
	return s.updateMeta(st, func() *apiError {
		if st.meta.Status != statusActive {
			return s.streamNotActive(name, st.meta.Status)
		}
		if st.meta.Mode != modeOnDemand {
			// The wording is spk's own.
			return clientErr("InvalidArgumentException", "Stream %s under account %s is in %s mode; the record distribution strategy is only supported for ON_DEMAND streams.", name, s.env.AccountID, st.meta.Mode)
		}
		st.meta.Distribution = strategy
		if strategy == distributionUser {
			st.meta.Distribution = ""
		}
		return nil
	})
}

// autoDistribute replaces the hash keys of a put to a stream whose records
// are distributed by AUTO: records go to the open shards in turn, whatever
// their partition keys and explicit hash keys.
func (s *Service) autoDistribute(st *stream, hashes []hashKey) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.recordDistribution() != distributionAuto {
		return
	}
	open := st.openShards()
	if len(open) == 0 {
		return
	}
	for i := range hashes {
		st.autoNext++
		hashes[i] = open[st.autoNext%uint64(len(open))].start
	}
}

// --- DescribeAccountSettings / UpdateAccountSettings ---------------------

// accountSettings is the account's settings as kept in the meta bucket.
type accountSettings struct {
	// Minimum throughput billing commitment: started (0 when never
	// enabled), earliest allowed end, and end (0 while not ending; in the
	// future while ENABLED_UNTIL_EARLIEST_ALLOWED_END).
	StartedMs     int64 `json:"started,omitempty"`
	EarliestEndMs int64 `json:"earliestEnd,omitempty"`
	EndedMs       int64 `json:"ended,omitempty"`
}

type commitmentOutput struct {
	Status               string   `json:"Status"`
	StartedAt            *epochMs `json:"StartedAt,omitempty"`
	EndedAt              *epochMs `json:"EndedAt,omitempty"`
	EarliestAllowedEndAt *epochMs `json:"EarliestAllowedEndAt,omitempty"`
}

type accountSettingsOutput struct {
	MinimumThroughputBillingCommitment commitmentOutput `json:"MinimumThroughputBillingCommitment"`
}

func msPtr(ms int64) *epochMs {
	if ms == 0 {
		return nil
	}
	t := epochMs(ms)
	return &t
}

// output is the commitment as the API shows it at nowMs.
func (a accountSettings) output(nowMs int64) commitmentOutput {
	switch {
	case a.StartedMs == 0:
		return commitmentOutput{Status: commitmentDisabled}
	case a.EndedMs == 0:
		return commitmentOutput{Status: commitmentEnabled, StartedAt: msPtr(a.StartedMs), EarliestAllowedEndAt: msPtr(a.EarliestEndMs)}
	case a.EndedMs > nowMs:
		return commitmentOutput{Status: commitmentEndingLater, StartedAt: msPtr(a.StartedMs), EarliestAllowedEndAt: msPtr(a.EarliestEndMs)}
	}
	return commitmentOutput{Status: commitmentDisabled, StartedAt: msPtr(a.StartedMs), EndedAt: msPtr(a.EndedMs)}
}

func (s *Service) loadAccountSettings(tx *store.Tx) (accountSettings, error) {
	var a accountSettings
	if b := tx.Bucket(bucketMeta).Get(keyAccountSettings); b != nil {
		if err := json.Unmarshal(b, &a); err != nil {
			return a, err
		}
	}
	return a, nil
}

// commitmentInEffect reports whether the account's minimum throughput
// billing commitment is on (ENABLED, or ending at its earliest end).
func (s *Service) commitmentInEffect() bool {
	var a accountSettings
	if err := s.env.DB.View(func(tx *store.Tx) (err error) { a, err = s.loadAccountSettings(tx); return err }); err != nil {
		s.env.Log.Error("read kinesis account settings", "err", err)
		return false
	}
	return a.output(s.nowMs()).Status != commitmentDisabled
}

func (s *Service) describeAccountSettings(c codec, body []byte) (any, *apiError) {
	var in struct{}
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var a accountSettings
	if err := s.env.DB.View(func(tx *store.Tx) (err error) { a, err = s.loadAccountSettings(tx); return err }); err != nil {
		s.env.Log.Error("read kinesis account settings", "err", err)
		return nil, internalFailure()
	}
	return accountSettingsOutput{MinimumThroughputBillingCommitment: a.output(s.nowMs())}, nil
}

type updateAccountSettingsInput struct {
	MinimumThroughputBillingCommitment *struct {
		Status *string `json:"Status"`
	} `json:"MinimumThroughputBillingCommitment"`
}

func (s *Service) updateAccountSettings(c codec, body []byte) (any, *apiError) {
	var in updateAccountSettingsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	switch m := in.MinimumThroughputBillingCommitment; {
	case m == nil:
		v.notNull(false, "minimumThroughputBillingCommitment")
	case m.Status == nil:
		v.notNull(false, "minimumThroughputBillingCommitment.status")
	default:
		v.enum(*m.Status, "minimumThroughputBillingCommitment.status", commitmentEnabled, commitmentDisabled)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	enable := *in.MinimumThroughputBillingCommitment.Status == commitmentEnabled
	var out commitmentOutput
	err := s.env.DB.Update(func(tx *store.Tx) error {
		a, err := s.loadAccountSettings(tx)
		if err != nil {
			return err
		}
		now := s.nowMs()
		status := a.output(now).Status
		switch {
		case enable && status == commitmentDisabled:
			earliest := time.UnixMilli(now).Add(commitmentMinimumHours * time.Hour).UnixMilli()
			a = accountSettings{StartedMs: now, EarliestEndMs: earliest}
		case enable && status == commitmentEndingLater:
			a.EndedMs = 0 // the pending end is cancelled
		case !enable && status == commitmentEnabled:
			// Ending before the minimum duration is put off until then.
			a.EndedMs = max(now, a.EarliestEndMs)
		}
		out = a.output(now)
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyAccountSettings, b)
	})
	if err != nil {
		s.env.Log.Error("update kinesis account settings", "err", err)
		return nil, internalFailure()
	}
	return accountSettingsOutput{MinimumThroughputBillingCommitment: out}, nil
}

// --- CreateStream and DescribeStreamSummary members ----------------------

// newerCreateInput are CreateStream's members for the newer settings.
type newerCreateInput struct {
	MaxRecordSizeInKiB         *int64  `json:"MaxRecordSizeInKiB"`
	WarmThroughputMiBps        *int64  `json:"WarmThroughputMiBps"`
	RecordDistributionStrategy *string `json:"RecordDistributionStrategy"`
}

func (in *newerCreateInput) validate(v *validation) {
	v.intRange(in.MaxRecordSizeInKiB, "maxRecordSizeInKiB", defaultMaxRecordKiB, maxMaxRecordKiB)
	v.intRange(in.WarmThroughputMiBps, "warmThroughputMiBps", 0, 2147483647)
	if in.RecordDistributionStrategy != nil {
		v.enum(*in.RecordDistributionStrategy, "recordDistributionStrategy", distributionAuto, distributionUser)
	}
}

// check refuses settings the stream's capacity mode does not support; the
// wording of these refusals is spk's own.
func (in *newerCreateInput) check(s *Service, mode string) *apiError {
	if in.WarmThroughputMiBps != nil && *in.WarmThroughputMiBps > 0 {
		if mode != modeOnDemand {
			return clientErr("InvalidArgumentException", "Warm throughput is only supported for ON_DEMAND streams.")
		}
		if !s.commitmentInEffect() {
			return clientErr("InvalidArgumentException", "Warm throughput requires the minimum throughput billing commitment to be enabled for account %s.", s.env.AccountID)
		}
		if *in.WarmThroughputMiBps > maxWarmThroughputMiBps {
			return clientErr("LimitExceededException", "Requested warm throughput of %d MiBps exceeds the limit of %d MiBps.", *in.WarmThroughputMiBps, maxWarmThroughputMiBps)
		}
	}
	if in.RecordDistributionStrategy != nil && *in.RecordDistributionStrategy == distributionAuto && mode != modeOnDemand {
		return clientErr("InvalidArgumentException", "The record distribution strategy is only supported for ON_DEMAND streams.")
	}
	return nil
}

// apply records the settings, and a new StreamId, in a new stream's meta.
func (in *newerCreateInput) apply(m *streamMeta) {
	if in.MaxRecordSizeInKiB != nil && *in.MaxRecordSizeInKiB != defaultMaxRecordKiB {
		m.MaxRecordKiB = int(*in.MaxRecordSizeInKiB)
	}
	if in.WarmThroughputMiBps != nil && m.Mode == modeOnDemand {
		m.WarmTargetMiBps = int(*in.WarmThroughputMiBps)
	}
	if in.RecordDistributionStrategy != nil && *in.RecordDistributionStrategy == distributionAuto {
		m.Distribution = distributionAuto
	}
	m.ID = newStreamID()
}

// newerSummary are DescribeStreamSummary's members for the newer settings.
type newerSummary struct {
	StreamId                   string          `json:"StreamId,omitempty"`
	MaxRecordSizeInKiB         int             `json:"MaxRecordSizeInKiB"`
	WarmThroughput             *warmThroughput `json:"WarmThroughput,omitempty"`
	RecordDistributionStrategy string          `json:"RecordDistributionStrategy,omitempty"`
	ChannelCount               int             `json:"ChannelCount"`
}

// newerSummary fills those members; the caller holds st.mu. commitment
// is whether the account's billing commitment is in effect.
func (s *Service) newerSummary(st *stream, commitment bool) newerSummary {
	return newerSummary{
		StreamId: st.meta.ID, MaxRecordSizeInKiB: st.maxRecordKiB(),
		WarmThroughput: st.warmThroughput(commitment), RecordDistributionStrategy: st.recordDistribution(),
		ChannelCount: s.channelCount(s.streamARN(st.name)),
	}
}

// --- StreamId --------------------------------------------------------------

const streamIDPattern = "[a-z0-9]{20}-[a-z0-9]{3}"

const streamIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// newStreamID makes an id of the API's StreamId form.
func newStreamID() string {
	var b [24]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = streamIDAlphabet[int(b[i])%len(streamIDAlphabet)]
	}
	b[20] = '-'
	return string(b[:])
}

func isStreamID(id string) bool {
	if len(id) != 24 || id[20] != '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		if i != 20 && !strings.ContainsRune(streamIDAlphabet, rune(id[i])) {
			return false
		}
	}
	return true
}

// streamID checks an optional StreamId member.
func (v *validation) streamID(id *string) {
	v.member(id, "streamId", false, 1, 24, streamIDPattern, isStreamID)
}

// getStreamByID finds a live stream by its StreamId (for requests that
// name the stream by that alone).
func (s *Service) getStreamByID(id string, v validation) (*stream, string, *apiError) {
	if err := v.err(); err != nil {
		return nil, "", err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for name, st := range s.streams {
		st.mu.Lock()
		match := st.meta.ID == id
		st.mu.Unlock()
		if match {
			return st, name, nil
		}
	}
	// The wording is spk's own.
	return nil, "", clientErr("ResourceNotFoundException", "Stream with StreamId %s under account %s not found.", id, s.env.AccountID)
}

// orStreamID is name, or when no StreamName or StreamARN gave one, the
// name of the stream whose StreamId is id (the id itself when no stream
// has it, so that the request fails as for a stream not found).
func (s *Service) orStreamID(name string, id *string, v *validation) string {
	v.streamID(id)
	if name != "" || id == nil || !isStreamID(*id) {
		return name
	}
	if _, n, err := s.getStreamByID(*id, nil); err == nil {
		return n
	}
	return *id
}

// giveStreamIDs gives each stream kept without a StreamId (by a version of
// spk before StreamIds) one, and saves it.
func giveStreamIDs(tx *store.Tx, streams map[string]*stream) error {
	for _, st := range streams {
		if st.meta.ID == "" {
			st.meta.ID = newStreamID()
			if err := saveStream(tx, &st.meta); err != nil {
				return err
			}
		}
	}
	return nil
}
