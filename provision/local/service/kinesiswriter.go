package service

import "errors"

// KinesisWriter lets one service of the endpoint append records to a
// Kinesis stream of the same endpoint: DynamoDB's Kinesis streaming
// destinations (Kinesis Data Streams for DynamoDB) use it. The Kinesis
// service implements it; the server sets Env.Kinesis.
type KinesisWriter interface {
	// PutStreamRecords appends recs, in order, to the stream the ARN names
	// and returns once they are durable, as an acknowledged PutRecords is.
	// It answers ErrStreamNotFound when no stream of this endpoint has that
	// ARN or the stream is not writable (CREATING or DELETING).
	PutStreamRecords(streamARN string, recs []KinesisRecord) error
	// StreamStatus is the status of the stream the ARN names (CREATING,
	// ACTIVE, UPDATING, DELETING), or "" when there is none.
	StreamStatus(streamARN string) string
}

// KinesisRecord is one record for KinesisWriter.
type KinesisRecord struct {
	PartitionKey string
	Data         []byte
}

// ErrStreamNotFound is KinesisWriter's answer for a stream that does not
// exist or cannot take records.
var ErrStreamNotFound = errors.New("kinesis stream not found")
