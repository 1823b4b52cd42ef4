package kinesis

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// epochTime is a request timestamp: epoch seconds (a JSON number, or CBOR
// tag 1 / a number).
type epochTime struct{ time.Time }

func (t *epochTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if tt, err := time.Parse(time.RFC3339Nano, s); err == nil {
			t.Time = tt
			return nil
		}
		b = []byte(s)
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return errors.New("class java.lang.String can not be converted to milliseconds since epoch")
	}
	t.Time = secondsToTime(f)
	return nil
}

// UnmarshalCBOR reads a number or a tag-1 number. The Java SDKs send epoch
// milliseconds where the CBOR standard has seconds, so a value too large to
// be seconds (past the year 5000) is read as milliseconds.
func (t *epochTime) UnmarshalCBOR(b []byte) error {
	var tag cbor.RawTag
	if err := cbor.Unmarshal(b, &tag); err == nil {
		if tag.Number != 1 {
			return errors.New("timestamp: unexpected CBOR tag")
		}
		b = tag.Content
	}
	var f float64
	if err := cbor.Unmarshal(b, &f); err != nil {
		return err
	}
	if math.Abs(f) > 1e11 {
		f /= 1000
	}
	t.Time = secondsToTime(f)
	return nil
}

func secondsToTime(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6)
}

// seconds renders a time as AWS's epoch seconds with millisecond precision.
func seconds(ms int64) float64 { return float64(ms) / 1000 }

// epochMs is a response timestamp. JSON carries epoch seconds with a
// fraction; CBOR carries integer epoch milliseconds, which is what the Java
// SDKs (and so the KCL) read from CBOR.
type epochMs int64

func (t epochMs) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, seconds(int64(t)), 'f', -1, 64), nil
}

func (t *epochMs) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*t = epochMs(math.Round(f * 1000))
	return nil
}

func (t epochMs) MarshalCBOR() ([]byte, error) { return cbor.Marshal(int64(t)) }

func (t *epochMs) UnmarshalCBOR(b []byte) error { return cbor.Unmarshal(b, (*int64)(t)) }

type hashKeyRange struct {
	StartingHashKey string `json:"StartingHashKey"`
	EndingHashKey   string `json:"EndingHashKey"`
}

type sequenceNumberRange struct {
	StartingSequenceNumber string `json:"StartingSequenceNumber"`
	EndingSequenceNumber   string `json:"EndingSequenceNumber,omitempty"`
}

type shardOut struct {
	ShardId               string              `json:"ShardId"`
	ParentShardId         string              `json:"ParentShardId,omitempty"`
	AdjacentParentShardId string              `json:"AdjacentParentShardId,omitempty"`
	HashKeyRange          hashKeyRange        `json:"HashKeyRange"`
	SequenceNumberRange   sequenceNumberRange `json:"SequenceNumberRange"`
}

type streamModeDetails struct {
	StreamMode string `json:"StreamMode"`
}

// streamModeInput is StreamModeDetails in a request, where its mode is
// required.
type streamModeInput struct {
	StreamMode *string `json:"StreamMode"`
}

// mode is the capacity mode given, "" when none.
func (d *streamModeInput) mode() string {
	if d == nil || d.StreamMode == nil {
		return ""
	}
	return *d.StreamMode
}

// validate checks the member AWS's model requires, then its enum.
func (d *streamModeInput) validate(v *validation) {
	v.notNull(d.StreamMode != nil, "streamModeDetails.streamMode")
	if d.StreamMode != nil {
		v.enum(*d.StreamMode, "streamModeDetails.streamMode", modeProvisioned, modeOnDemand)
	}
}

type enhancedMetrics struct {
	ShardLevelMetrics []string `json:"ShardLevelMetrics"`
}

type childShard struct {
	ShardId      string       `json:"ShardId"`
	ParentShards []string     `json:"ParentShards"`
	HashKeyRange hashKeyRange `json:"HashKeyRange"`
}

func (st *stream) shardOut(sh *shardMeta) shardOut {
	o := shardOut{
		ShardId:      shardName(sh.Index),
		HashKeyRange: hashKeyRange{sh.StartHash, sh.EndHash},
		SequenceNumberRange: sequenceNumberRange{
			StartingSequenceNumber: formatSeq(st.meta.CreatedMs, sh.Index, 0),
		},
	}
	if sh.Parent >= 0 {
		o.ParentShardId = shardName(sh.Parent)
	}
	if sh.AdjacentParent >= 0 {
		o.AdjacentParentShardId = shardName(sh.AdjacentParent)
	}
	if !sh.open() {
		o.SequenceNumberRange.EndingSequenceNumber = formatSeq(st.meta.CreatedMs, sh.Index, shardEndCounter)
	}
	return o
}

// children lists the shards created from sh (its ChildShards).
func (st *stream) children(sh *shardMeta) []childShard {
	var out []childShard
	for _, c := range st.meta.Shards {
		if c.Parent != sh.Index && c.AdjacentParent != sh.Index {
			continue
		}
		parents := []string{shardName(c.Parent)}
		if c.AdjacentParent >= 0 {
			parents = append(parents, shardName(c.AdjacentParent))
		}
		out = append(out, childShard{ShardId: shardName(c.Index), ParentShards: parents, HashKeyRange: hashKeyRange{c.StartHash, c.EndHash}})
	}
	return out
}
