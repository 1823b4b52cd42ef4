// Package jsonscan finds, eight bytes at a time, where a JSON string stops
// being plain: the endpoint's decoders and encoders copy plain runs as they
// are and look at the other bytes one by one.
package jsonscan

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// PlainPrefix is the length of the longest prefix of s made of printable
// ASCII other than the quote and the backslash: the bytes a JSON string
// holds as they are, unescaped.
func PlainPrefix[T string | []byte](s T) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		// The compiler turns these eight byte loads into one.
		t := s[i : i+8] // of known length, so the loads are not bounds-checked
		w := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		if !plainWord(w) {
			break
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			break
		}
	}
	return i
}

// plainWord reports whether all eight bytes of w are plain: none has its
// high bit set (0x80 or more), and none is below 0x20, the quote or the
// backslash. The last three are the classic tests for "some byte is below
// n" and "some byte is zero" (after an XOR with the byte sought), which
// are exact about whether such a byte exists.
func plainWord(w uint64) bool {
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	below := (w - ones*0x20) &^ w
	return (w|below|((quote-ones)&^quote)|((backslash-ones)&^backslash))&highs == 0
}
