package jsonscan

import (
	"strings"
	"testing"
)

// plainPrefixByBytes is the definition PlainPrefix must agree with.
func plainPrefixByBytes(s []byte) int {
	for i, c := range s {
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return i
		}
	}
	return len(s)
}

func TestPlainPrefixStopsAtEveryKindOfByteInEveryPosition(t *testing.T) {
	plain := "abcdefghijklmnopqrstuvwxyz0123456789+/="
	for _, stop := range []byte{0, 0x1f, '"', '\\', 0x7f + 1, 0xff, 0xc3} {
		for at := 0; at < 20; at++ {
			s := []byte(plain[:at] + string(stop) + plain[at:])
			if got := PlainPrefix(s); got != at {
				t.Errorf("PlainPrefix(%q) = %d, want %d", s, got, at)
			}
			if got := PlainPrefix(string(s)); got != at {
				t.Errorf("PlainPrefix(string %q) = %d, want %d", s, got, at)
			}
		}
	}
	for n := 0; n <= len(plain); n++ {
		if got := PlainPrefix(plain[:n]); got != n {
			t.Errorf("PlainPrefix of %d plain bytes = %d", n, got)
		}
	}
}

// Every byte from 0x20 to 0x7e other than the quote and the backslash is
// plain, in each lane of a word: the word tests have no false alarms.
func TestPlainPrefixPassesEveryPlainByte(t *testing.T) {
	for c := 0x20; c < 0x7f; c++ {
		if c == '"' || c == '\\' {
			continue
		}
		for lane := 0; lane < 8; lane++ {
			s := []byte(strings.Repeat("A", 16))
			s[lane] = byte(c)
			if got := PlainPrefix(s); got != 16 {
				t.Errorf("byte %#x in lane %d: PlainPrefix = %d, want 16", c, lane, got)
			}
		}
	}
}

func FuzzPlainPrefix(f *testing.F) {
	f.Add([]byte(`{"Data":"aGVsbG8=","PartitionKey":"k\u00e9"}`))
	f.Add([]byte("abcdefgh\x00ijklmnop"))
	f.Fuzz(func(t *testing.T, s []byte) {
		want := plainPrefixByBytes(s)
		if got := PlainPrefix(s); got != want {
			t.Fatalf("PlainPrefix(%q) = %d, want %d", s, got, want)
		}
		if got := PlainPrefix(string(s)); got != want {
			t.Fatalf("PlainPrefix(string %q) = %d, want %d", s, got, want)
		}
	})
}

func BenchmarkPlainPrefix(b *testing.B) {
	s := []byte(strings.Repeat("eyJldmVudCI6ImNsaWNrIiwidXNlciI6IjQyIn0=", 4))
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		PlainPrefix(s)
	}
}

func BenchmarkByteLoop(b *testing.B) {
	s := []byte(strings.Repeat("eyJldmVudCI6ImNsaWNrIiwidXNlciI6IjQyIn0=", 4))
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		plainPrefixByBytes(s)
	}
}
