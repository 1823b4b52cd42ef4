package kinesis

import (
	"strings"
	"testing"
)

// plainlyValid is a shortcut past validateEntry: whatever it passes,
// validateEntry must find nothing wrong with.
func TestPlainlyValidEntriesPassValidation(t *testing.T) {
	hash := "123"
	keys := []string{"", "k", strings.Repeat("k", 256), strings.Repeat("k", 257),
		strings.Repeat("é", 128), strings.Repeat("é", 129), strings.Repeat("😀", 64), strings.Repeat("😀", 65),
		"\xff\xfe", strings.Repeat("\xff", 256)}
	const limit = 1 << 10
	datas := [][]byte{nil, {}, make([]byte, limit), make([]byte, limit+1)}
	passed := 0
	for _, pk := range keys {
		for _, data := range datas {
			for _, explicit := range []*string{nil, &hash} {
				for _, missing := range []bool{false, true} {
					e := putEntry{PartitionKey: pk, ExplicitHashKey: explicit, Data: data, pkMissing: missing}
					if !plainlyValid(&e, limit) {
						continue
					}
					passed++
					var v validation
					validateEntry(&v, &e, e.Data != nil, "records.1.member.", limit)
					if len(v) != 0 {
						t.Errorf("plainlyValid passed key of %d bytes, data of %d bytes, but validation says %v", len(pk), len(data), v)
					}
				}
			}
		}
	}
	if passed == 0 {
		t.Fatal("plainlyValid passed no entry at all")
	}
}
