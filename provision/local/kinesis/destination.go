package kinesis

import (
	"fmt"

	"github.com/spk-cli/spk/provision/local/service"
)

// PutStreamRecords implements service.KinesisWriter: DynamoDB's Kinesis
// streaming destinations append a table's changes through the same path as
// PutRecords, so the records are durable, ordered per partition key and
// seen by GetRecords and SubscribeToShard alike. The per-shard write limits
// are not applied: DynamoDB retries a throttled delivery on its own, and
// spk's destination would only retry the same batch.
func (s *Service) PutStreamRecords(streamARN string, recs []service.KinesisRecord) error {
	name, ok := s.nameFromARN(streamARN)
	if !ok {
		return service.ErrStreamNotFound
	}
	st := s.lookup(name)
	if st == nil {
		return service.ErrStreamNotFound
	}
	entries := make([]putEntry, len(recs))
	hashes := make([]hashKey, len(recs))
	for i, r := range recs {
		entries[i] = putEntry{PartitionKey: r.PartitionKey, Data: r.Data}
		hashes[i] = partitionHash(r.PartitionKey)
	}
	res := make([]putResult, len(recs))
	if apiErr := s.put(st, entries, hashes, res, false, false); apiErr != nil {
		if apiErr.Type == "ResourceNotFoundException" {
			return service.ErrStreamNotFound
		}
		return fmt.Errorf("put records into stream %s: %w", name, apiErr)
	}
	return nil
}

// StreamStatus implements service.KinesisWriter.
func (s *Service) StreamStatus(streamARN string) string {
	name, ok := s.nameFromARN(streamARN)
	if !ok {
		return ""
	}
	st := s.lookup(name)
	if st == nil {
		return ""
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gone {
		return ""
	}
	return st.meta.Status
}

var _ service.KinesisWriter = (*Service)(nil)
