package kinesis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
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
func (s *Service) getChannel(tx *store.Tx, name string) (*channelMeta, string, error) {
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

// dropGoneChannels removes the records of channels whose deletion has
// finished; getChannel already treats them as absent.
func (s *Service) dropGoneChannels() {
	err := s.env.DB.Update(func(tx *store.Tx) error {
		b := tx.Bucket(bucketChannels)
		var gone [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			var c channelMeta
			if json.Unmarshal(v, &c) != nil {
				return nil // getChannel reports it
			}
			if _, finished := s.channelState(&c, s.nowMs()); finished {
				gone = append(gone, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range gone {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.env.Log.Warn("kinesis: drop deleted channels; left for the next deletion or start", "err", err)
	}
}

func saveChannel(tx *store.Tx, c *channelMeta) error {
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
	s.env.DB.View(func(tx *store.Tx) error {
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
