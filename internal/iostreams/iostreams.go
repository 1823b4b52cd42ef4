// Package iostreams owns spk's standard streams: where data and progress go,
// whether each is a terminal, and whether colour is allowed.
package iostreams

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// IOStreams are the streams a command reads and writes. Data goes to Out;
// progress, prompts and the live views go to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	color                 bool
	inReader              *bufio.Reader
}

// System returns the process's streams with terminal detection. NO_COLOR and
// TERM=dumb turn colour off. An output terminal that cannot be made to read
// escape sequences (a Windows console too old for them) counts as none, so
// spk writes it plain lines.
func System() *IOStreams {
	isTTY := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	dumb := os.Getenv("TERM") == "dumb"
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		inTTY:  isTTY(os.Stdin),
		outTTY: isTTY(os.Stdout) && !dumb && enableEscapes(os.Stdout),
		errTTY: isTTY(os.Stderr) && !dumb && enableEscapes(os.Stderr),
	}
	_, noColor := os.LookupEnv("NO_COLOR")
	s.color = s.errTTY && !noColor
	return s
}

// Test returns in-memory streams for tests, none of them a terminal.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetTTY pretends, for tests, that the streams are (or are not) terminals.
func (s *IOStreams) SetTTY(in, out, errOut bool) { s.inTTY, s.outTTY, s.errTTY = in, out, errOut }

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.inTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// ColorEnabled reports whether progress output may use colour.
func (s *IOStreams) ColorEnabled() bool { return s.color }

// ReadLine reads one line from In, without its line ending. All prompts
// share one buffered reader so no typed-ahead input is lost between them.
func (s *IOStreams) ReadLine() (string, error) {
	if s.inReader == nil {
		s.inReader = bufio.NewReader(s.In)
	}
	line, err := s.inReader.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// ReadSecret reads a line without echoing it when In is a terminal. Only
// a line already typed ahead (and so already shown) is read as a line.
func (s *IOStreams) ReadSecret() (string, error) {
	if f, ok := s.In.(*os.File); ok && s.inTTY && (s.inReader == nil || s.inReader.Buffered() == 0) {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.ErrOut)
		return string(b), err
	}
	return s.ReadLine()
}
