package local

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// readBody of an unknown length takes a body of exactly the limit, refuses
// one byte more, and leaves nothing reserved after a refusal or a free.
func TestReadBodyUnknownLength(t *testing.T) {
	const limit = 200 << 10
	cases := []struct {
		name   string
		size   int
		budget int64
		want   error
	}{
		{"empty", 0, limit, nil},
		{"small", 10, limit, nil},
		{"exactly the limit", limit, limit, nil},
		{"one byte over", limit + 1, 4 * limit, errTooLarge},
		{"over the budget", limit, limit - 1, errThrottled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLimiter(1, c.budget, -1)
			body := bytes.Repeat([]byte("x"), c.size)
			// A reader without a length, handing out small pieces.
			got, reserved, err := l.readBody(io.MultiReader(bytes.NewReader(body[:c.size/2]), bytes.NewReader(body[c.size/2:])), -1, limit)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if err == nil {
				if !bytes.Equal(got, body) {
					t.Fatalf("read %d bytes, want %d", len(got), len(body))
				}
				if reserved < int64(len(body)) || l.bytes != reserved {
					t.Fatalf("reserved %d (limiter holds %d) for %d bytes", reserved, l.bytes, len(body))
				}
				l.free(reserved)
			}
			if l.bytes != 0 {
				t.Fatalf("%d bytes still reserved", l.bytes)
			}
		})
	}
}
