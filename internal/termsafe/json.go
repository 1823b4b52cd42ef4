package termsafe

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON returns encoded JSON with the characters encoding/json leaves raw
// but a terminal would act on (DEL, C1 controls, format characters such as
// U+202E, line separators, private-use and unassigned code points) written
// as \u escapes. The text still decodes to the same values: such characters
// can only occur inside JSON strings, where \u escapes mean the same thing.
// encoding/json already escapes C0 controls and turns invalid UTF-8 into
// U+FFFD; an invalid byte met here anyway becomes \ufffd.
func JSON(b []byte) []byte {
	i := jsonUnsafeAt(b)
	if i < 0 {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	out = append(out, b[:i]...)
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf && c != 0x7f {
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case c != 0x7f && drawable(r):
			out = append(out, b[i:i+size]...)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	return out
}

// jsonUnsafeAt is the index of the first byte JSON must rewrite, or -1.
func jsonUnsafeAt(b []byte) int {
	for i := 0; i < len(b); {
		c := b[i]
		if c == 0x7f {
			return i
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && size == 1) || !drawable(r) {
			return i
		}
		i += size
	}
	return -1
}
