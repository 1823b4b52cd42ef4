package termsafe

import (
	"encoding/json"
	"strings"
	"testing"
)

// hostile is the event type found by probing: it clears the screen, turns
// the text red and retitles the window.
const hostile = "\u001b[2J\u001b[31mEVIL\u001b]0;pwned\u0007"

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain ASCII", "Green", "Green"},
		{"empty", "", ""},
		{"hostile type", hostile, `\x1b[2J\x1b[31mEVIL\x1b]0;pwned\a`},
		{"tab newline return", "a\tb\nc\rd", `a\tb\nc\rd`},
		{"NUL and DEL", "a\x00b\x7fc", `a\x00b\x7fc`},
		{"C1 CSI and NEL", "a\u009b2Jb\u0085", `a\u009b2Jb\u0085`},
		{"bidi override", "user\u202Egnp.exe", `user\u202egnp.exe`},
		{"bidi isolates and marks", "\u2066x\u2069\u200e\u200f\u061c", `\u2066x\u2069\u200e\u200f\u061c`},
		{"zero width and BOM", "a\u200bb\ufeff", `a\u200bb\ufeff`},
		{"line separator", "a\u2028b\u2029", `a\u2028b\u2029`},
		{"private use", "\ue000", `\ue000`},
		{"invalid UTF-8", "a\xffb\xc3", `a\xffb\xc3`},
		{"truncated rune then ASCII", "\xe2\x80x", `\xe2\x80x`},
		{"backslash kept", `C:\temp`, `C:\temp`},
		{"letters of other scripts", "Grün 緑 зелёный", "Grün 緑 зелёный"},
		{"emoji", "🟢 ok", "🟢 ok"},
		{"combining mark", "e\u0301", "e\u0301"},
		{"no-break and ideographic spaces", "a\u00a0b\u3000c", "a\u00a0b\u3000c"},
		{"replacement character itself", "\ufffd", "\ufffd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Escape(tc.in)
			if got != tc.want {
				t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if Safe(tc.in) != (got == tc.in) {
				t.Errorf("Safe(%q) = %v, but Escape changed it: %v", tc.in, Safe(tc.in), got != tc.in)
			}
			if !Safe(got) {
				t.Errorf("Escape(%q) = %q is not itself safe", tc.in, got)
			}
		})
	}
}

// TestEscapeLeavesNoControls runs every code point below U+10000 and every
// byte through Escape and checks nothing a terminal acts on survives.
func TestEscapeLeavesNoControls(t *testing.T) {
	var b strings.Builder
	for r := rune(0); r < 0x10000; r++ {
		b.WriteRune(r)
	}
	for c := 0x80; c < 0x100; c++ {
		b.WriteByte(byte(c))
	}
	got := Escape(b.String())
	for i, r := range got {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			t.Fatalf("control U+%04X at byte %d survived", r, i)
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			t.Fatalf("bidi control U+%04X at byte %d survived", r, i)
		case r == 0xfffd && !strings.Contains(b.String(), "\ufffd"):
			t.Fatalf("invalid UTF-8 survived at byte %d", i)
		}
	}
}

func TestJSON(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"plain", "Green", `"Green"`},
		{"hostile type", hostile, `"\u001b[2J\u001b[31mEVIL\u001b]0;pwned\u0007"`},
		{"DEL", "a\x7fb", `"a\u007fb"`},
		{"C1", "a\u009bb", `"a\u009bb"`},
		{"bidi override", "a\u202eb", `"a\u202eb"`},
		{"line separator", "a\u2028b", `"a\u2028b"`},
		{"private use above the BMP", "a\U000F0000b", `"a\udb80\udc00b"`},
		{"letters kept", "Grün 緑", `"Grün 緑"`},
		{"invalid UTF-8", "a\xffb", `"a\ufffdb"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := json.Marshal(tc.value)
			if err != nil {
				t.Fatal(err)
			}
			got := JSON(enc)
			if string(got) != tc.want {
				t.Errorf("JSON(%s) = %s, want %s", enc, got, tc.want)
			}
			var back string
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("JSON(%s) = %s is not JSON: %v", enc, got, err)
			}
			var direct string
			json.Unmarshal(enc, &direct)
			if back != direct {
				t.Errorf("JSON changed the value: %q, want %q", back, direct)
			}
		})
	}
}

func TestJSONKeepsLayout(t *testing.T) {
	in := []byte("[\n  {\n    \"EventType\": \"a\u202eb\"\n  }\n]\n")
	want := "[\n  {\n    \"EventType\": \"a\\u202eb\"\n  }\n]\n"
	if got := string(JSON(in)); got != want {
		t.Errorf("JSON = %q, want %q", got, want)
	}
}

func BenchmarkEscapePlain(b *testing.B) {
	for b.Loop() {
		Escape("2015-06-05T12:54:00.000")
	}
}
