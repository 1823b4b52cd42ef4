package kinesis

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

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
