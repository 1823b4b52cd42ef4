package local

import (
	"encoding/base64"
	"regexp"
	"testing"
)

func TestRequestIDsAreUUIDShapedAndDistinct(t *testing.T) {
	uuidShape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 10000 {
		id := newRequestID()
		if !uuidShape.MatchString(id) {
			t.Fatalf("request ID %q is not shaped as a UUID", id)
		}
		if seen[id] {
			t.Fatalf("request ID %q came twice in 10000", id)
		}
		seen[id] = true
	}
	b, err := base64.StdEncoding.DecodeString(newAmzID2())
	if err != nil || len(b) != 72 {
		t.Fatalf("x-amz-id-2 decodes to %d bytes (err %v), want 72", len(b), err)
	}
	if a, b := newAmzID2(), newAmzID2(); a == b {
		t.Fatal("two x-amz-id-2 values are equal")
	}
}
