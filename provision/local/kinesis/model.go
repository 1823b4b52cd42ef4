package kinesis

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/spk-cli/spk/provision/local/store"
)

// Buckets of the shared store this service owns.
var (
	bucketStreams  = []byte("kinesis/streams") // name -> JSON streamMeta
	bucketRecords  = []byte("kinesis/records") // name -> shard index (4 bytes) -> counter (8 bytes) -> record
	bucketMeta     = []byte("kinesis/meta")    // service-wide settings
	keyIteratorKey = []byte("iterator-key")
)

// Stream states.
const (
	statusCreating = "CREATING"
	statusActive   = "ACTIVE"
	statusUpdating = "UPDATING"
	statusDeleting = "DELETING"
)

// shardMeta is a shard as kept in the store.
type shardMeta struct {
	Index          int    `json:"i"`
	Parent         int    `json:"p"` // -1 when none
	AdjacentParent int    `json:"ap"`
	StartHash      string `json:"sh"`
	EndHash        string `json:"eh"`
	CreatedMs      int64  `json:"c"`
	ClosedMs       int64  `json:"cl,omitempty"`
	EndCounter     uint64 `json:"ec,omitempty"` // last counter when closed
	TrimmedTo      uint64 `json:"t,omitempty"`  // every counter <= this was trimmed

	start, end hashKey
	next       uint64 // last counter handed out
	lastArrMs  int64  // arrival time of the newest record, kept non-decreasing
	limits     *shardLimits
}

func (sh *shardMeta) open() bool { return sh.ClosedMs == 0 }

// pendingChange is a resharding applied when UPDATING ends.
type pendingChange struct {
	Kind        string `json:"k"` // "split", "merge", "scale"
	Shard       int    `json:"s,omitempty"`
	Adjacent    int    `json:"a,omitempty"`
	NewStartKey string `json:"n,omitempty"`
	Target      int    `json:"t,omitempty"`
}

// streamMeta is a stream as kept in the store.
type streamMeta struct {
	Name           string            `json:"name"`
	CreatedMs      int64             `json:"created"`
	Status         string            `json:"status"`
	StatusSinceMs  int64             `json:"since"`
	Mode           string            `json:"mode"`
	RetentionHours int               `json:"retention"`
	Tags           map[string]string `json:"tags,omitempty"`
	Shards         []*shardMeta      `json:"shards"`
	InitialShards  int               `json:"initial"`
	Pending        *pendingChange    `json:"pending,omitempty"`
	// Server-side encryption: "" (NONE) or "KMS", and the key named.
	EncryptionType string `json:"enc,omitempty"`
	KeyID          string `json:"key,omitempty"`
	// EncryptionBefore is the EncryptionType records are written with
	// while a change of it is UPDATING: AWS begins (or stops) encrypting
	// records once the stream is ACTIVE again. nil when none is changing.
	EncryptionBefore *string `json:"encBefore,omitempty"`
	// Enhanced monitoring's shard-level metrics, in canonical order.
	ShardLevelMetrics []string `json:"metrics,omitempty"`
	// Resource policy (JSON text); "" when none.
	Policy string `json:"policy,omitempty"`
	// Maximum record size in KiB; 0 is the default, 1024.
	MaxRecordKiB int `json:"maxRecordKiB,omitempty"`
	// Warm throughput of an on-demand stream: the target, and the value
	// before the update under way.
	WarmTargetMiBps  int `json:"warmTarget,omitempty"`
	WarmCurrentMiBps int `json:"warmCurrent,omitempty"`
	// Record distribution strategy; "" is USER_PARTITION_KEY.
	Distribution string `json:"distribution,omitempty"`
	// StreamId, generated at creation (or at the first start that finds a
	// stream kept without one).
	ID string `json:"id,omitempty"`
	// ExpiredBeforeMs: records that arrived before it had expired when the
	// retention period was last increased, and stay expired ("does not make
	// previous, expired data accessible"); 0 when never increased.
	ExpiredBeforeMs int64 `json:"expiredBefore,omitempty"`
}

// retentionCutoff is the arrival time before which records are past
// retention: readers skip them and the trimmer deletes them.
func (m *streamMeta) retentionCutoff(nowMs int64) int64 {
	return max(nowMs-int64(m.RetentionHours)*3600_000, m.ExpiredBeforeMs)
}

// stream is a stream in memory. mu guards everything in meta and the
// per-shard runtime fields.
type stream struct {
	mu   sync.Mutex
	meta streamMeta
	// name and created are meta's Name and CreatedMs, which never change:
	// read without mu, while a failed commit's restore rewrites meta whole.
	name    string
	created int64
	gone    bool // deleted; requests holding this pointer must look again
	// dropped is gone, readable without mu: CreateStream takes the name of
	// a stream that is gone but not yet out of the service's map.
	dropped atomic.Bool
	// autoNext turns records among the open shards when the stream's
	// record distribution strategy is AUTO.
	autoNext uint64
}

func (st *stream) openShards() []*shardMeta {
	var out []*shardMeta
	for _, sh := range st.meta.Shards {
		if sh.open() {
			out = append(out, sh)
		}
	}
	return out
}

// route finds the open shard whose range holds h.
func (st *stream) route(h hashKey) *shardMeta {
	for _, sh := range st.meta.Shards {
		if sh.open() && h.cmp(sh.start) >= 0 && h.cmp(sh.end) <= 0 {
			return sh
		}
	}
	return nil
}

func (st *stream) shard(i int) *shardMeta {
	if i < 0 || i >= len(st.meta.Shards) {
		return nil
	}
	return st.meta.Shards[i]
}

func (sh *shardMeta) setRange(start, end hashKey) {
	sh.start, sh.end = start, end
	sh.StartHash, sh.EndHash = start.String(), end.String()
}

func (sh *shardMeta) loadRange() error {
	var ok1, ok2 bool
	sh.start, ok1 = parseHashKey(sh.StartHash)
	sh.end, ok2 = parseHashKey(sh.EndHash)
	if !ok1 || !ok2 {
		return fmt.Errorf("shard %d has a corrupt hash key range", sh.Index)
	}
	return nil
}

func shardKey(i int) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(i))
	return b[:]
}

func counterKey(c uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], c)
	return b[:]
}

// A stored record: arrival ms (8) | partition key length (2) | key | data.
// The length's top bit (keys are at most 256 bytes) marks a record put
// while the stream had server-side encryption on.
const recordEncryptedBit = 0x80

func appendRecord(dst []byte, arrivalMs int64, pk string, data []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(arrivalMs))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(pk)))
	dst = append(dst, pk...)
	return append(dst, data...)
}

func recordArrival(v []byte) int64 { return int64(binary.BigEndian.Uint64(v)) }

// recordEncrypted reports whether a stored record was put encrypted.
func recordEncrypted(v []byte) bool { return v[8]&recordEncryptedBit != 0 }

func decodeRecord(v []byte) (arrivalMs int64, pk, data []byte) {
	n := int(binary.BigEndian.Uint16(v[8:]) &^ (recordEncryptedBit << 8))
	return int64(binary.BigEndian.Uint64(v)), v[10 : 10+n], v[10+n:]
}

func saveStream(tx *store.Tx, m *streamMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketStreams).Put([]byte(m.Name), b)
}

func shardBucket(tx *store.Tx, stream string, shard int) *store.Bucket {
	sb := tx.Bucket(bucketRecords).Bucket([]byte(stream))
	if sb == nil {
		return nil
	}
	return sb.Bucket(shardKey(shard))
}

// createShardBucket makes the bucket for a new shard's records.
func createShardBucket(tx *store.Tx, stream string, shard int) error {
	sb, err := tx.Bucket(bucketRecords).CreateBucketIfNotExists([]byte(stream))
	if err != nil {
		return err
	}
	_, err = sb.CreateBucketIfNotExists(shardKey(shard))
	return err
}

// loadStreams reads every stream and restores the runtime fields.
func loadStreams(tx *store.Tx) (map[string]*stream, error) {
	out := map[string]*stream{}
	err := tx.Bucket(bucketStreams).ForEach(func(k, v []byte) error {
		m, err := decodeStreamMeta(tx, v)
		if err != nil {
			return fmt.Errorf("stream %s: %w", k, err)
		}
		out[m.Name] = &stream{meta: m, name: m.Name, created: m.CreatedMs}
		return nil
	})
	return out, err
}

// decodeStreamMeta decodes a stored stream and restores its shards'
// runtime fields from their records.
func decodeStreamMeta(tx *store.Tx, v []byte) (streamMeta, error) {
	var m streamMeta
	if err := json.Unmarshal(v, &m); err != nil {
		return m, err
	}
	for _, sh := range m.Shards {
		if err := sh.loadRange(); err != nil {
			return m, err
		}
		sh.next = max(sh.TrimmedTo, sh.EndCounter)
		if b := shardBucket(tx, m.Name, sh.Index); b != nil {
			if k, v := b.Cursor().Last(); k != nil {
				sh.next = max(sh.next, binary.BigEndian.Uint64(k))
				sh.lastArrMs = recordArrival(v)
			}
		}
	}
	return m, nil
}

func sortedNames(m map[string]*stream) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func decodeCounter(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

// updateStream runs fn, which may change st in memory as it goes, in a
// write transaction. When the transaction fails, st is put back to what
// the store holds: memory must not run ahead of the disk, nor a later
// save write what was never committed.
func (s *Service) updateStream(st *stream, fn func(tx *store.Tx) error) error {
	err := s.env.DB.Update(fn)
	if err != nil {
		s.restoreStream(st)
	}
	return err
}

// restoreStream puts st back to its stored state. Counters already handed
// out stay handed out (a put may be between its function and its commit),
// and a stream no longer stored is gone.
func (s *Service) restoreStream(st *stream) {
	var name string
	err := s.env.DB.View(func(tx *store.Tx) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		name = st.meta.Name
		v := tx.Bucket(bucketStreams).Get([]byte(name))
		if v == nil {
			st.gone = true
			st.dropped.Store(true)
			return nil
		}
		m, err := decodeStreamMeta(tx, v)
		if err != nil {
			return err
		}
		for _, sh := range m.Shards {
			if old := st.shard(sh.Index); old != nil {
				sh.next = max(sh.next, old.next)
				sh.lastArrMs = max(sh.lastArrMs, old.lastArrMs)
				sh.limits = old.limits
			}
		}
		st.meta = m
		st.gone = false
		st.dropped.Store(false)
		return nil
	})
	if err != nil {
		s.env.Log.Error("restore stream after a failed change", "stream", name, "err", err)
	}
}
