// Package profile writes AWS profiles into the shared credentials and config
// files that the AWS CLI and SDKs read. It edits the files line by line, so
// every other profile, comment and key stays byte-for-byte as it was: a
// general INI library would re-format what it did not change.
package profile

import (
	"bytes"
	"regexp"
	"strings"
)

var (
	sectionRE = regexp.MustCompile(`^\s*\[\s*([^\]]+?)\s*\]\s*([;#].*)?$`)
	keyRE     = regexp.MustCompile(`^\s*([A-Za-z0-9_.\-]+)\s*=`)
)

// file is an INI file as lines, each kept with its own line ending.
type file struct {
	lines []string
}

func parse(data []byte) *file {
	f := &file{}
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			f.lines = append(f.lines, string(data))
			break
		}
		f.lines = append(f.lines, string(data[:i+1]))
		data = data[i+1:]
	}
	return f
}

func (f *file) bytes() []byte { return []byte(strings.Join(f.lines, "")) }

// section finds a section's header line and the end of its body (exclusive).
func (f *file) section(name string) (header, end int, ok bool) {
	header = -1
	for i, l := range f.lines {
		m := sectionRE.FindStringSubmatch(strings.TrimRight(l, "\r\n"))
		if m == nil {
			continue
		}
		if header >= 0 {
			return header, i, true
		}
		if normalise(m[1]) == name {
			header = i
		}
	}
	if header >= 0 {
		return header, len(f.lines), true
	}
	return -1, -1, false
}

// normalise folds the inner spacing of a header such as "profile   work".
func normalise(s string) string { return strings.Join(strings.Fields(s), " ") }

// has reports whether the file has the section.
func (f *file) has(name string) bool {
	_, _, ok := f.section(name)
	return ok
}

// set writes keys into a section, creating it at the end of the file when
// missing. Existing keys are replaced on their own lines; anything else in
// the section (comments, other keys) is kept. Keys are written in order.
func (f *file) set(name string, kv [][2]string) {
	nl := f.newline()
	h, end, ok := f.section(name)
	if !ok {
		if n := len(f.lines); n > 0 && !strings.HasSuffix(f.lines[n-1], "\n") {
			f.lines[n-1] += nl
		}
		if n := len(f.lines); n > 0 && strings.TrimSpace(f.lines[n-1]) != "" {
			f.lines = append(f.lines, nl)
		}
		f.lines = append(f.lines, "["+name+"]"+nl)
		for _, p := range kv {
			f.lines = append(f.lines, p[0]+" = "+p[1]+nl)
		}
		return
	}
	var missing []string
	for _, p := range kv {
		found := false
		for i := h + 1; i < end; i++ {
			if m := keyRE.FindStringSubmatch(f.lines[i]); m != nil && m[1] == p[0] {
				f.lines[i] = p[0] + " = " + p[1] + lineEnding(f.lines[i], nl)
				found = true
			}
		}
		if !found {
			missing = append(missing, p[0]+" = "+p[1]+nl)
		}
	}
	if len(missing) == 0 {
		return
	}
	// New keys go after the section's last non-blank line, before the blank
	// lines that separate it from the next section.
	at := end
	for at > h+1 && strings.TrimSpace(f.lines[at-1]) == "" {
		at--
	}
	if !strings.HasSuffix(f.lines[at-1], "\n") {
		f.lines[at-1] += nl
	}
	rest := append([]string{}, f.lines[at:]...)
	f.lines = append(append(f.lines[:at], missing...), rest...)
}

// newline is the file's line ending, so a CRLF file stays CRLF.
func (f *file) newline() string {
	for _, l := range f.lines {
		if strings.HasSuffix(l, "\r\n") {
			return "\r\n"
		}
	}
	return "\n"
}

func lineEnding(line, def string) string {
	switch {
	case strings.HasSuffix(line, "\r\n"):
		return "\r\n"
	case strings.HasSuffix(line, "\n"):
		return "\n"
	}
	return def
}
