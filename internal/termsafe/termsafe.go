// Package termsafe makes text that spk did not write itself (event types,
// group values, lease owners, endpoint errors) safe to print on a terminal.
// A terminal obeys the control characters in what it is sent: an event type
// holding ESC [2J clears the operator's screen, ESC ] 0 ; … BEL retitles the
// window, and U+202E reverses the text that follows it. Such characters are
// shown instead as the escapes Go's strconv.Quote writes (\x1b, \a, \u202e).
package termsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with every character a terminal would not simply draw
// written as a visible escape, the way strconv.Quote writes it but without
// the quotes: C0 controls and DEL as \t, \n, \x1b…; C1 controls (U+0080 to
// U+009F) and format characters, bidirectional overrides among them, as
// \u0085, \u202e…; line and paragraph separators, private-use and
// unassigned code points as \u or \U escapes; each byte of invalid UTF-8 as
// \xff. Letters, marks, digits, punctuation, symbols and spaces of any
// script pass unchanged, and so do backslashes: the result is for reading,
// not for parsing back (JSON output is the exact form).
func Escape(s string) string {
	i := unsafeAt(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			q := strconv.Quote(s[i : i+1]) // "\xff"
			b.WriteString(q[1 : len(q)-1])
		case drawable(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRune(r) // '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// Safe reports whether s prints as itself: Escape(s) == s.
func Safe(s string) bool { return unsafeAt(s) < 0 }

// unsafeAt is the index of the first byte of s that starts something to
// escape, or -1. Printable ASCII, the common case, is checked byte by byte.
func unsafeAt(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !drawable(r) {
			return i
		}
		i += size
	}
	return -1
}

// drawable reports whether a terminal draws r as a glyph or a blank rather
// than acting on it: unicode.IsGraphic (letters, marks, numbers,
// punctuation, symbols and the Zs spaces). Everything else is Cc, Cf, Cs,
// Co, Cn, Zl or Zp.
func drawable(r rune) bool { return unicode.IsGraphic(r) }
