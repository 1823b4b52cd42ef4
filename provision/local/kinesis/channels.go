package kinesis

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Channels deliver a stream's records to Amazon S3 or S3 Tables. spk has
// neither, so a channel here is its configuration only: validated, kept in
// the store, described and listed, going CREATING -> ACTIVE, UPDATING ->
// ACTIVE and DELETING -> gone after the endpoint's delays. Nothing is ever
// delivered.

var bucketChannels = []byte("kinesis/channels") // name -> JSON channelMeta

const (
	channelNamePattern = "[a-zA-Z0-9_.-]+"
	channelARNPattern  = "arn:aws.*:kinesis:.*:\\d{12}:channel/\\S+"
	maxChannelResults  = 100
)

type recordConfiguration struct {
	RecordFormatType *string `json:"RecordFormatType"`
	GSRSchemaARN     *string `json:"GSRSchemaARN,omitempty"`
}

type channelStreamConfiguration struct {
	StreamARN               *string              `json:"StreamARN"`
	RecordConfiguration     *recordConfiguration `json:"RecordConfiguration"`
	StreamCreationTimestamp *epochMs             `json:"StreamCreationTimestamp,omitempty"` // output only
}

type deadLetterQueueS3Configuration struct {
	BucketARN           *string `json:"BucketARN"`
	ExpectedBucketOwner *string `json:"ExpectedBucketOwner"`
	ErrorOutputPrefix   *string `json:"ErrorOutputPrefix,omitempty"`
}

type s3StorageConfiguration struct {
	BucketARN           *string `json:"BucketARN"`
	CompressionType     *string `json:"CompressionType"`
	ExpectedBucketOwner *string `json:"ExpectedBucketOwner"`
	OutputKeyTemplate   *string `json:"OutputKeyTemplate,omitempty"`
	StorageClass        *string `json:"StorageClass,omitempty"`
}

type s3DestinationConfiguration struct {
	StorageConfiguration           *s3StorageConfiguration         `json:"StorageConfiguration"`
	DataFreshnessInSeconds         *int64                          `json:"DataFreshnessInSeconds,omitempty"`
	DeadLetterQueueS3Configuration *deadLetterQueueS3Configuration `json:"DeadLetterQueueS3Configuration,omitempty"`
}

type partitionField struct {
	SourceName *string `json:"SourceName"`
	Transform  *string `json:"Transform"`
}

type partitionSpec struct {
	PartitionFields []partitionField `json:"PartitionFields"`
}

type s3TablesConfiguration struct {
	CompressionType *string        `json:"CompressionType"`
	Namespace       *string        `json:"Namespace"`
	TableBucketARN  *string        `json:"TableBucketARN"`
	TableName       *string        `json:"TableName"`
	PartitionSpec   *partitionSpec `json:"PartitionSpec,omitempty"`
}

type s3TablesDestinationConfiguration struct {
	DeadLetterQueueS3Configuration *deadLetterQueueS3Configuration `json:"DeadLetterQueueS3Configuration"`
	S3TablesConfigurationList      []s3TablesConfiguration         `json:"S3TablesConfigurationList"`
	DataFreshnessInSeconds         *int64                          `json:"DataFreshnessInSeconds,omitempty"`
}

type channelEncryptionConfiguration struct {
	EncryptionType *string `json:"EncryptionType"`
	KeyId          *string `json:"KeyId"`
}

type cloudWatchLogs struct {
	Enabled       *bool   `json:"Enabled"`
	LogGroupName  *string `json:"LogGroupName,omitempty"`
	LogStreamName *string `json:"LogStreamName,omitempty"`
}

type channelLoggingConfiguration struct {
	CloudWatchLogs *cloudWatchLogs `json:"CloudWatchLogs"`
}

// channelMeta is a channel as kept in the store.
type channelMeta struct {
	Name          string                            `json:"name"`
	ID            string                            `json:"id"`
	CreatedMs     int64                             `json:"created"`
	Status        string                            `json:"status"`
	StatusSinceMs int64                             `json:"since"`
	RoleARN       string                            `json:"role"`
	Streams       []channelStreamConfiguration      `json:"streams"`
	S3            *s3DestinationConfiguration       `json:"s3,omitempty"`
	S3Tables      *s3TablesDestinationConfiguration `json:"s3Tables,omitempty"`
	Encryption    *channelEncryptionConfiguration   `json:"encryption,omitempty"`
	Logging       *channelLoggingConfiguration      `json:"logging,omitempty"`
	Tags          map[string]string                 `json:"tags,omitempty"`
}

type channelDescription struct {
	ChannelARN                       string                            `json:"ChannelARN"`
	ChannelCreationTimestamp         epochMs                           `json:"ChannelCreationTimestamp"`
	ChannelId                        string                            `json:"ChannelId"`
	ChannelName                      string                            `json:"ChannelName"`
	ChannelStatus                    string                            `json:"ChannelStatus"`
	LoggingConfiguration             channelLoggingConfiguration       `json:"LoggingConfiguration"`
	ServiceExecutionRoleARN          string                            `json:"ServiceExecutionRoleARN"`
	StreamConfigurationList          []channelStreamConfiguration      `json:"StreamConfigurationList"`
	EncryptionConfiguration          *channelEncryptionConfiguration   `json:"EncryptionConfiguration,omitempty"`
	S3DestinationConfiguration       *s3DestinationConfiguration       `json:"S3DestinationConfiguration,omitempty"`
	S3TablesDestinationConfiguration *s3TablesDestinationConfiguration `json:"S3TablesDestinationConfiguration,omitempty"`
}

func (s *Service) channelARN(name string) string {
	return "arn:aws:kinesis:" + s.env.Region + ":" + s.env.AccountID + ":channel/" + name
}

// channelState is the channel's status at nowMs, and whether a deletion
// has finished. Transitions end by the clock, so they need no timers and
// finish across restarts.
func (s *Service) channelState(c *channelMeta, nowMs int64) (string, bool) {
	var d time.Duration
	switch c.Status {
	case statusCreating:
		d = s.env.CreateDelay
	case statusUpdating:
		d = s.env.UpdateDelay
	case statusDeleting:
		d = s.env.DeleteDelay
	default:
		return c.Status, false
	}
	if time.Duration(nowMs-c.StatusSinceMs)*time.Millisecond < d {
		return c.Status, false
	}
	return statusActive, c.Status == statusDeleting
}

func (s *Service) describe(c *channelMeta, status string) channelDescription {
	d := channelDescription{
		ChannelARN: s.channelARN(c.Name), ChannelCreationTimestamp: epochMs(c.CreatedMs), ChannelId: c.ID,
		ChannelName: c.Name, ChannelStatus: status, ServiceExecutionRoleARN: c.RoleARN,
		StreamConfigurationList: c.Streams, EncryptionConfiguration: c.Encryption,
		S3DestinationConfiguration: c.S3, S3TablesDestinationConfiguration: c.S3Tables,
		LoggingConfiguration: channelLoggingConfiguration{CloudWatchLogs: &cloudWatchLogs{Enabled: new(bool)}},
	}
	if c.Logging != nil {
		d.LoggingConfiguration = *c.Logging
	}
	return d
}

// getChannel reads a live channel (nil when there is none, or its deletion
// finished) and its status.
func (s *Service) getChannel(tx *bolt.Tx, name string) (*channelMeta, string, error) {
	b := tx.Bucket(bucketChannels).Get([]byte(name))
	if b == nil {
		return nil, "", nil
	}
	var c channelMeta
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, "", fmt.Errorf("channel %s: %w", name, err)
	}
	status, gone := s.channelState(&c, s.nowMs())
	if gone {
		return nil, "", nil
	}
	return &c, status, nil
}

func saveChannel(tx *bolt.Tx, c *channelMeta) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketChannels).Put([]byte(c.Name), b)
}

// channelNameFromARN validates a ChannelARN member and takes the name.
func (s *Service) channelNameFromARN(arn *string, v *validation) string {
	if arn == nil {
		v.notNull(false, "channelARN")
		return ""
	}
	v.length(*arn, "channelARN", 1, 2048)
	prefix := s.channelARN("")
	name, ok := strings.CutPrefix(*arn, prefix)
	if !ok || !isStreamName(name) {
		if *arn != "" {
			v.pattern(*arn, "channelARN", channelARNPattern, false)
		}
		return ""
	}
	return name
}

func (s *Service) channelNotFound(name string) *apiError {
	// The wording is spk's own.
	return clientErr("ResourceNotFoundException", "Channel %s under account %s not found.", name, s.env.AccountID)
}

// channelCount is how many live channels read from the stream arn, or
// how many there are when arn is "".
func (s *Service) channelCount(arn string) int {
	n := 0
	s.env.DB.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketChannels).ForEach(func(k, _ []byte) error {
			c, _, err := s.getChannel(tx, string(k))
			if err == nil && c != nil {
				for _, sc := range c.Streams {
					if arn == "" || sc.StreamARN != nil && *sc.StreamARN == arn {
						n++
						break
					}
				}
			}
			return nil
		})
	})
	return n
}

// refuseWithChannels refuses to delete a stream that channels read from.
func (s *Service) refuseWithChannels(name string) *apiError {
	if n := s.channelCount(s.streamARN(name)); n > 0 {
		// The wording is spk's own.
		return clientErr("ResourceInUseException", "Stream %s under account %s has %d channel(s); delete them before the stream.", name, s.env.AccountID, n)
	}
	return nil
}

// --- CreateChannel -------------------------------------------------------

type createChannelInput struct {
	ChannelName                      *string                           `json:"ChannelName"`
	ServiceExecutionRoleARN          *string                           `json:"ServiceExecutionRoleARN"`
	StreamConfigurationList          []channelStreamConfiguration      `json:"StreamConfigurationList"`
	S3DestinationConfiguration       *s3DestinationConfiguration       `json:"S3DestinationConfiguration"`
	S3TablesDestinationConfiguration *s3TablesDestinationConfiguration `json:"S3TablesDestinationConfiguration"`
	EncryptionConfiguration          *channelEncryptionConfiguration   `json:"EncryptionConfiguration"`
	LoggingConfiguration             *channelLoggingConfiguration      `json:"LoggingConfiguration"`
	Tags                             map[string]string                 `json:"Tags"`
}

// required adds a not-null violation for each named member that is absent.
func (v *validation) required(prefix string, members ...any) {
	for i := 0; i+1 < len(members); i += 2 {
		present := true
		switch m := members[i+1].(type) {
		case *string:
			present = m != nil
		case *bool:
			present = m != nil
		}
		if !present {
			v.notNull(false, prefix+members[i].(string))
		}
	}
}

func (v *validation) enumPtr(val *string, field string, allowed ...string) {
	if val != nil {
		v.enum(*val, field, allowed...)
	}
}

func (v *validation) deadLetterQueue(d *deadLetterQueueS3Configuration, prefix string) {
	if d != nil {
		v.required(prefix, "bucketARN", d.BucketARN, "expectedBucketOwner", d.ExpectedBucketOwner)
	}
}

func (v *validation) channelLogging(l *channelLoggingConfiguration) {
	if l == nil {
		return
	}
	if l.CloudWatchLogs == nil {
		v.notNull(false, "loggingConfiguration.cloudWatchLogs")
		return
	}
	v.required("loggingConfiguration.cloudWatchLogs.", "enabled", l.CloudWatchLogs.Enabled)
}

func (in *createChannelInput) validate(v *validation) {
	if in.ChannelName == nil {
		v.notNull(false, "channelName")
	} else {
		v.length(*in.ChannelName, "channelName", 1, 128)
		if *in.ChannelName != "" {
			v.pattern(*in.ChannelName, "channelName", channelNamePattern, isStreamName(*in.ChannelName))
		}
	}
	if in.ServiceExecutionRoleARN == nil {
		v.notNull(false, "serviceExecutionRoleARN")
	} else {
		v.length(*in.ServiceExecutionRoleARN, "serviceExecutionRoleARN", 1, 2048)
	}
	switch n := len(in.StreamConfigurationList); {
	case in.StreamConfigurationList == nil:
		v.notNull(false, "streamConfigurationList")
	case n != 1:
		// One stream per channel, for now.
		v.add(fmt.Sprintf("%d stream configurations", n), "streamConfigurationList", fmt.Sprintf("Member must have length %s to 1", map[bool]string{true: "greater than or equal", false: "less than or equal"}[n < 1]))
	}
	for i, sc := range in.StreamConfigurationList {
		p := fmt.Sprintf("streamConfigurationList.%d.member.", i+1)
		if sc.StreamARN == nil {
			v.notNull(false, p+"streamARN")
		} else {
			v.length(*sc.StreamARN, p+"streamARN", 1, 2048)
		}
		if sc.RecordConfiguration == nil {
			v.notNull(false, p+"recordConfiguration")
		} else {
			v.required(p+"recordConfiguration.", "recordFormatType", sc.RecordConfiguration.RecordFormatType)
			v.enumPtr(sc.RecordConfiguration.RecordFormatType, p+"recordConfiguration.recordFormatType", "GSR_JSON", "JSON", "STRING", "BYTE_ARRAY")
		}
	}
	if d := in.S3DestinationConfiguration; d != nil {
		const p = "s3DestinationConfiguration."
		if sc := d.StorageConfiguration; sc == nil {
			v.notNull(false, p+"storageConfiguration")
		} else {
			v.required(p+"storageConfiguration.", "bucketARN", sc.BucketARN, "expectedBucketOwner", sc.ExpectedBucketOwner, "compressionType", sc.CompressionType)
			v.enumPtr(sc.CompressionType, p+"storageConfiguration.compressionType", "NONE", "GZIP", "ZSTD")
			v.enumPtr(sc.StorageClass, p+"storageConfiguration.storageClass", "STANDARD", "INTELLIGENT_TIERING", "GLACIER_IR")
		}
		v.deadLetterQueue(d.DeadLetterQueueS3Configuration, p+"deadLetterQueueS3Configuration.")
	}
	if d := in.S3TablesDestinationConfiguration; d != nil {
		const p = "s3TablesDestinationConfiguration."
		if d.DeadLetterQueueS3Configuration == nil {
			v.notNull(false, p+"deadLetterQueueS3Configuration")
		}
		v.deadLetterQueue(d.DeadLetterQueueS3Configuration, p+"deadLetterQueueS3Configuration.")
		if d.S3TablesConfigurationList == nil {
			v.notNull(false, p+"s3TablesConfigurationList")
		}
		for i, t := range d.S3TablesConfigurationList {
			tp := fmt.Sprintf("%ss3TablesConfigurationList.%d.member.", p, i+1)
			v.required(tp, "tableBucketARN", t.TableBucketARN, "namespace", t.Namespace, "tableName", t.TableName, "compressionType", t.CompressionType)
			v.enumPtr(t.CompressionType, tp+"compressionType", "NONE", "ZSTD", "SNAPPY")
			if t.PartitionSpec != nil {
				if t.PartitionSpec.PartitionFields == nil {
					v.notNull(false, tp+"partitionSpec.partitionFields")
				}
				for j, f := range t.PartitionSpec.PartitionFields {
					fp := fmt.Sprintf("%spartitionSpec.partitionFields.%d.member.", tp, j+1)
					v.required(fp, "sourceName", f.SourceName, "transform", f.Transform)
					v.enumPtr(f.Transform, fp+"transform", "TIME_HOUR")
				}
			}
		}
	}
	if e := in.EncryptionConfiguration; e != nil {
		v.required("encryptionConfiguration.", "encryptionType", e.EncryptionType, "keyId", e.KeyId)
		v.enumPtr(e.EncryptionType, "encryptionConfiguration.encryptionType", "KMS")
	}
	v.channelLogging(in.LoggingConfiguration)
	if len(in.Tags) > 50 {
		v.add(fmt.Sprint(in.Tags), "tags", "Member must have length less than or equal to 50")
	}
}

func newChannelID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

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
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
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
	err := s.env.DB.View(func(tx *bolt.Tx) error {
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
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
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
	err := s.env.DB.View(func(tx *bolt.Tx) error {
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
