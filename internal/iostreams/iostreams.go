// Package iostreams owns spk's standard streams: where data and progress go,
// whether each is a terminal, and whether colour is allowed.
package iostreams

import (
	"bufio"
	"bytes"
	"context"
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
	pending               chan lineRead // a line being read that no caller has taken yet
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

// Prompt writes question to ErrOut and reads the answer, a line, as
// ReadLine does. When ctx ends first (Ctrl-C), it ends the prompt's line
// and returns ctx's error.
func (s *IOStreams) Prompt(ctx context.Context, question string) (string, error) {
	fmt.Fprint(s.ErrOut, question)
	line, err := s.ReadLine(ctx)
	if ctx.Err() != nil {
		fmt.Fprintln(s.ErrOut)
	}
	return line, err
}

// PromptSecret is Prompt for a secret: the answer is not echoed when In is
// a terminal (see ReadSecret).
func (s *IOStreams) PromptSecret(ctx context.Context, question string) (string, error) {
	fmt.Fprint(s.ErrOut, question)
	return s.ReadSecret(ctx)
}

// lineRead is the outcome of one read of a line.
type lineRead struct {
	line string
	err  error
}

// ReadLine reads one line from In, without its line ending. All prompts
// share one buffered reader so no typed-ahead input is lost between them.
//
// The read happens aside, so that when ctx ends first (Ctrl-C) ReadLine
// returns ctx's error at once rather than after the next Enter. A read
// given up on goes on; the next ReadLine takes its line rather than
// reading beside it. One caller at a time.
func (s *IOStreams) ReadLine(ctx context.Context) (string, error) {
	if s.pending == nil {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if s.inReader == nil {
			s.inReader = bufio.NewReader(s.In)
		}
		read := make(chan lineRead, 1)
		go func(r *bufio.Reader) {
			line, err := r.ReadString('\n')
			if err != nil && !(errors.Is(err, io.EOF) && line != "") {
				read <- lineRead{err: err}
				return
			}
			read <- lineRead{line: strings.TrimRight(line, "\r\n")}
		}(s.inReader)
		s.pending = read
	}
	select {
	case r := <-s.pending:
		s.pending = nil
		return r.line, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// ReadSecret reads a line as ReadLine does, without echoing it when In is
// a terminal. Only a line already typed ahead (and so already shown) is
// read as it is. The terminal echoes again when ReadSecret returns, also
// when ctx ended first: spk exits next, and must not leave it silent.
func (s *IOStreams) ReadSecret(ctx context.Context) (string, error) {
	f, ok := s.In.(*os.File)
	if !ok || !s.inTTY || s.pending != nil || (s.inReader != nil && s.inReader.Buffered() > 0) {
		return s.ReadLine(ctx)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	// Echo goes off here, before the read starts, and back on before
	// returning: term.ReadPassword in a goroutine given up on could turn
	// it off after spk had put it back.
	restore, err := echoOff(int(f.Fd()))
	if errors.Is(err, errors.ErrUnsupported) {
		b, err := term.ReadPassword(int(f.Fd())) // not cancellable here, but silent
		fmt.Fprintln(s.ErrOut)
		return string(b), err
	}
	if err != nil {
		return "", err
	}
	line, err := s.ReadLine(ctx)
	restore()
	fmt.Fprintln(s.ErrOut) // the Enter (or Ctrl-C) was not echoed
	return line, err
}
