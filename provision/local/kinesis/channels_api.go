package kinesis

import (
	"encoding/base64"
	"fmt"
	"sort"

	"github.com/spk-cli/spk/provision/local/store"
)

func (s *Service) createChannel(c codec, body []byte) (any, *apiError) {
	var in createChannelInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	in.validate(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	// The wording of these refusals is spk's own.
	if (in.S3DestinationConfiguration == nil) == (in.S3TablesDestinationConfiguration == nil) {
		return nil, clientErr("InvalidArgumentException", "Exactly one of S3DestinationConfiguration and S3TablesDestinationConfiguration must be specified.")
	}
	texts := []string{}
	for k, val := range in.Tags {
		texts = append(texts, k, val)
	}
	if e := checkTagChars(texts, "add tags to", *in.ChannelName, s.env.AccountID); e != nil {
		return nil, e
	}
	sc := in.StreamConfigurationList[0]
	st, name, apiErr := s.getStream(streamRef{StreamARN: sc.StreamARN}, nil)
	if apiErr != nil {
		return nil, apiErr
	}
	st.mu.Lock()
	mode, created, live := st.meta.Mode, st.meta.CreatedMs, !st.gone
	st.mu.Unlock()
	if !live {
		return nil, s.streamNotFound(name)
	}
	if mode != modeOnDemand {
		return nil, clientErr("InvalidArgumentException", "Stream %s under account %s is in %s mode; channels are only supported for ON_DEMAND streams.", name, s.env.AccountID, mode)
	}
	ts := epochMs(created)
	sc.StreamCreationTimestamp = &ts
	now := s.nowMs()
	ch := &channelMeta{
		Name: *in.ChannelName, ID: newChannelID(), CreatedMs: now, Status: statusCreating, StatusSinceMs: now,
		RoleARN: *in.ServiceExecutionRoleARN, Streams: []channelStreamConfiguration{sc},
		S3: in.S3DestinationConfiguration, S3Tables: in.S3TablesDestinationConfiguration,
		Encryption: in.EncryptionConfiguration, Logging: in.LoggingConfiguration, Tags: in.Tags,
	}
	err := s.env.DB.Update(func(tx *store.Tx) error {
		old, _, err := s.getChannel(tx, ch.Name)
		if err != nil {
			return err
		}
		if old != nil {
			apiErr = clientErr("ResourceInUseException", "Channel %s under account %s already exists.", ch.Name, s.env.AccountID)
			return nil
		}
		return saveChannel(tx, ch)
	})
	if err != nil {
		s.env.Log.Error("create channel", "channel", ch.Name, "err", err)
		return nil, internalFailure()
	}
	if apiErr != nil {
		return nil, apiErr
	}
	status, _ := s.channelState(ch, now)
	return map[string]any{"ChannelDescription": s.describe(ch, status)}, nil
}

// --- DescribeChannel / DeleteChannel / UpdateChannel ---------------------

type channelARNInput struct {
	ChannelARN *string `json:"ChannelARN"`
}

func (s *Service) describeChannel(c codec, body []byte) (any, *apiError) {
	var in channelARNInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	name := s.channelNameFromARN(in.ChannelARN, &v)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out channelDescription
	var apiErr *apiError
	err := s.env.DB.View(func(tx *store.Tx) error {
		ch, status, err := s.getChannel(tx, name)
		if err != nil {
			return err
		}
		if ch == nil {
			apiErr = s.channelNotFound(name)
			return nil
		}
		out = s.describe(ch, status)
		return nil
	})
	if err != nil {
		s.env.Log.Error("describe channel", "channel", name, "err", err)
		return nil, internalFailure()
	}
	if apiErr != nil {
		return nil, apiErr
	}
	return map[string]any{"ChannelDescription": out}, nil
}

// changeChannel applies change to a live channel and saves it.
func (s *Service) changeChannel(name string, change func(ch *channelMeta, status string) *apiError) (*channelMeta, *apiError) {
	var apiErr *apiError
	var ch *channelMeta
	err := s.env.DB.Update(func(tx *store.Tx) error {
		var status string
		var err error
		ch, status, err = s.getChannel(tx, name)
		if err != nil {
			return err
		}
		if ch == nil {
			apiErr = s.channelNotFound(name)
			return nil
		}
		if ch.Status != status {
			ch.Status, ch.StatusSinceMs = status, s.nowMs()
		}
		if apiErr = change(ch, status); apiErr != nil {
			return nil
		}
		return saveChannel(tx, ch)
	})
	if err != nil {
		s.env.Log.Error("change channel", "channel", name, "err", err)
		return nil, internalFailure()
	}
	return ch, apiErr
}

func (s *Service) deleteChannel(c codec, body []byte) (any, *apiError) {
	var in channelARNInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	name := s.channelNameFromARN(in.ChannelARN, &v)
	if err := v.err(); err != nil {
		return nil, err
	}
	_, apiErr := s.changeChannel(name, func(ch *channelMeta, status string) *apiError {
		if status != statusDeleting {
			ch.Status, ch.StatusSinceMs = statusDeleting, s.nowMs()
		}
		return nil
	})
	if apiErr != nil {
		return nil, apiErr
	}
	// Once deleted, its record goes: every DescribeStreamSummary and
	// DeleteStream reads the channels to count them.
	s.after(s.env.DeleteDelay, s.dropGoneChannels)
	return struct{}{}, nil
}

type updateChannelInput struct {
	ChannelARN                 *string                      `json:"ChannelARN"`
	LoggingConfiguration       *channelLoggingConfiguration `json:"LoggingConfiguration"`
	S3DestinationConfiguration *struct {
		DataFreshnessInSeconds *int64 `json:"DataFreshnessInSeconds"`
	} `json:"S3DestinationConfiguration"`
	S3TablesDestinationConfiguration *struct {
		DataFreshnessInSeconds *int64 `json:"DataFreshnessInSeconds"`
	} `json:"S3TablesDestinationConfiguration"`
}

func (s *Service) updateChannel(c codec, body []byte) (any, *apiError) {
	var in updateChannelInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	name := s.channelNameFromARN(in.ChannelARN, &v)
	v.channelLogging(in.LoggingConfiguration)
	if d := in.S3DestinationConfiguration; d != nil && d.DataFreshnessInSeconds == nil {
		v.notNull(false, "s3DestinationConfiguration.dataFreshnessInSeconds")
	}
	if d := in.S3TablesDestinationConfiguration; d != nil && d.DataFreshnessInSeconds == nil {
		v.notNull(false, "s3TablesDestinationConfiguration.dataFreshnessInSeconds")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	ch, apiErr := s.changeChannel(name, func(ch *channelMeta, status string) *apiError {
		// The wording of these refusals is spk's own.
		if status != statusActive {
			return clientErr("ResourceInUseException", "Channel %s under account %s not ACTIVE, instead in state %s", name, s.env.AccountID, status)
		}
		if in.S3DestinationConfiguration != nil && ch.S3 == nil || in.S3TablesDestinationConfiguration != nil && ch.S3Tables == nil {
			return clientErr("InvalidArgumentException", "Channel %s under account %s does not deliver to that kind of destination.", name, s.env.AccountID)
		}
		if in.S3DestinationConfiguration != nil {
			ch.S3.DataFreshnessInSeconds = in.S3DestinationConfiguration.DataFreshnessInSeconds
		}
		if in.S3TablesDestinationConfiguration != nil {
			ch.S3Tables.DataFreshnessInSeconds = in.S3TablesDestinationConfiguration.DataFreshnessInSeconds
		}
		if in.LoggingConfiguration != nil {
			ch.Logging = in.LoggingConfiguration
		}
		ch.Status, ch.StatusSinceMs = statusUpdating, s.nowMs()
		return nil
	})
	if apiErr != nil {
		return nil, apiErr
	}
	status, _ := s.channelState(ch, s.nowMs())
	return map[string]any{"ChannelDescription": s.describe(ch, status)}, nil
}

// --- ListChannels --------------------------------------------------------

type listChannelsInput struct {
	MaxResults   *int64  `json:"MaxResults"`
	NextToken    *string `json:"NextToken"`
	StreamFilter []struct {
		StreamARN               *string    `json:"StreamARN"`
		StreamCreationTimestamp *epochTime `json:"StreamCreationTimestamp"`
	} `json:"StreamFilter"`
}

type channelStreamIdentifier struct {
	StreamARN               string  `json:"StreamARN"`
	StreamCreationTimestamp epochMs `json:"StreamCreationTimestamp"`
}

type channelSummary struct {
	ChannelARN               string                    `json:"ChannelARN"`
	ChannelCreationTimestamp epochMs                   `json:"ChannelCreationTimestamp"`
	ChannelDestinationType   string                    `json:"ChannelDestinationType"`
	ChannelId                string                    `json:"ChannelId"`
	ChannelName              string                    `json:"ChannelName"`
	ChannelStatus            string                    `json:"ChannelStatus"`
	Streams                  []channelStreamIdentifier `json:"Streams"`
}

func (s *Service) listChannels(c codec, body []byte) (any, *apiError) {
	var in listChannelsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.intRange(in.MaxResults, "maxResults", 1, 2147483647)
	for i, f := range in.StreamFilter {
		v.required(fmt.Sprintf("streamFilter.%d.member.", i+1), "streamARN", f.StreamARN)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	limit := maxChannelResults
	if in.MaxResults != nil {
		limit = min(limit, int(*in.MaxResults))
	}
	after := ""
	if in.NextToken != nil {
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil || len(b) == 0 {
			return nil, clientErr("InvalidArgumentException", "Invalid NextToken.")
		}
		after = string(b)
	}
	matches := func(ch *channelMeta) bool {
		if len(in.StreamFilter) == 0 {
			return true
		}
		for _, f := range in.StreamFilter {
			for _, sc := range ch.Streams {
				if *sc.StreamARN == *f.StreamARN && (f.StreamCreationTimestamp == nil || sc.StreamCreationTimestamp != nil &&
					int64(*sc.StreamCreationTimestamp) == f.StreamCreationTimestamp.UnixMilli()) {
					return true
				}
			}
		}
		return false
	}
	out := struct {
		ChannelSummaries []channelSummary `json:"ChannelSummaries"`
		NextToken        string           `json:"NextToken,omitempty"`
	}{ChannelSummaries: []channelSummary{}}
	err := s.env.DB.View(func(tx *store.Tx) error {
		var names []string
		tx.Bucket(bucketChannels).ForEach(func(k, _ []byte) error {
			if string(k) > after {
				names = append(names, string(k))
			}
			return nil
		})
		sort.Strings(names)
		for _, n := range names {
			ch, status, err := s.getChannel(tx, n)
			if err != nil {
				return err
			}
			if ch == nil || !matches(ch) {
				continue
			}
			if len(out.ChannelSummaries) == limit {
				out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(out.ChannelSummaries[limit-1].ChannelName))
				break
			}
			sum := channelSummary{
				ChannelARN: s.channelARN(n), ChannelCreationTimestamp: epochMs(ch.CreatedMs), ChannelDestinationType: "S3",
				ChannelId: ch.ID, ChannelName: n, ChannelStatus: status, Streams: []channelStreamIdentifier{},
			}
			if ch.S3Tables != nil {
				sum.ChannelDestinationType = "S3_TABLES"
			}
			for _, sc := range ch.Streams {
				id := channelStreamIdentifier{StreamARN: *sc.StreamARN}
				if sc.StreamCreationTimestamp != nil {
					id.StreamCreationTimestamp = *sc.StreamCreationTimestamp
				}
				sum.Streams = append(sum.Streams, id)
			}
			out.ChannelSummaries = append(out.ChannelSummaries, sum)
		}
		return nil
	})
	if err != nil {
		s.env.Log.Error("list channels", "err", err)
		return nil, internalFailure()
	}
	return out, nil
}
