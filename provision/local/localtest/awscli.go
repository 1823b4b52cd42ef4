package localtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/spk-cli/spk/internal/childproc"
)

// A start of the AWS CLI costs about a second of CPU: Python's start-up,
// importing the CLI, and a `lsb_release` it runs for its user agent. The
// CLI tests run some sixty commands, so where the CLI is the Python program
// Debian ships, RunAWSCLI runs each command in a Python process that has
// imported the CLI already, through the CLI's own entry point (the one
// /usr/bin/aws calls) with the command's arguments and environment: the
// same code parses, signs, sends and prints. Elsewhere (the AWS installer's
// bundled binary) each command is a process of its own. findAWSCLI still
// starts the real program once per test binary.

// CLIExitError is a CLI command's non-zero exit status.
type CLIExitError struct{ Code int }

func (e *CLIExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// RunAWSCLI runs the AWS CLI at bin with args, in exactly env (as
// exec.Cmd.Env), and returns what it printed on stdout and on stderr. A
// non-zero exit status is a *CLIExitError.
func RunAWSCLI(bin string, env, args []string) (stdout, stderr []byte, err error) {
	python := cliPython(bin)
	if python == "" {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			err = &CLIExitError{Code: ee.ExitCode()}
		}
		return out.Bytes(), errOut.Bytes(), err
	}
	r, err := takeRunner(python)
	if err != nil {
		return nil, nil, err
	}
	res, err := r.run(bin, env, args)
	if err != nil {
		r.stop() // a runner that failed once is not trusted again
		return nil, nil, err
	}
	giveBackRunner(r)
	if res.Code != 0 {
		err = &CLIExitError{Code: res.Code}
	}
	return []byte(res.Stdout), []byte(res.Stderr), err
}

// cliPythons caches cliPython's answer by CLI path.
var cliPythons sync.Map

// cliPython returns the Python that runs the CLI at bin when bin is the
// Python program Debian ships (#!/usr/bin/python3, importing
// awscli.clidriver), else "".
func cliPython(bin string) string {
	if p, ok := cliPythons.Load(bin); ok {
		return p.(string)
	}
	p := ""
	if b, err := os.ReadFile(bin); err == nil && len(b) < 1<<20 && bytes.Contains(b, []byte("awscli.clidriver")) {
		first, _, _ := strings.Cut(string(b), "\n")
		if interp, ok := strings.CutPrefix(first, "#!"); ok && strings.Contains(interp, "python") && !strings.Contains(interp, " ") {
			p = interp
		}
	}
	cliPythons.Store(bin, p)
	return p
}

// cliRunnerScript serves one command per line of fd 3 and answers each on
// fd 4. The environment is the command's alone, as for a process of its
// own, but for AWS_DATA_PATH, which importing the CLI sets for itself.
const cliRunnerScript = `
import contextlib, io, json, os, sys
import awscli.clidriver
kept = {k: v for k, v in os.environ.items() if k == 'AWS_DATA_PATH'}
requests = os.fdopen(3, 'r', encoding='utf-8')
answers = os.fdopen(4, 'w', encoding='utf-8')
for line in requests:
    req = json.loads(line)
    os.environ.clear()
    os.environ.update(kept)
    os.environ.update(req['env'])
    if os.environ.get('LC_CTYPE', '') == 'UTF-8':  # as /usr/bin/aws
        os.environ['LC_CTYPE'] = 'en_US.UTF-8'
    sys.argv = [req['argv0']] + req['args']  # argparse names the program after it
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = awscli.clidriver.AWSCLIEntryPoint().main(req['args'])
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    answers.write(json.dumps({'code': rc or 0, 'stdout': out.getvalue(), 'stderr': err.getvalue()}) + '\n')
    answers.flush()
`

type cliRunner struct {
	python   string
	cmd      *exec.Cmd
	requests *os.File
	answers  *bufio.Reader
}

type cliAnswer struct {
	Code   int    `json:"code"`
	Stdout string `json:"stdout"`
	Stderr string `json:"stderr"`
}

// Idle runners, by Python: commands run one at a time in a runner, and
// tests that run commands at once each take their own.
var idleRunners struct {
	mu   sync.Mutex
	list []*cliRunner
}

func takeRunner(python string) (*cliRunner, error) {
	idleRunners.mu.Lock()
	for i, r := range idleRunners.list {
		if r.python == python {
			idleRunners.list = append(idleRunners.list[:i], idleRunners.list[i+1:]...)
			idleRunners.mu.Unlock()
			return r, nil
		}
	}
	idleRunners.mu.Unlock()
	return startRunner(python)
}

func giveBackRunner(r *cliRunner) {
	idleRunners.mu.Lock()
	idleRunners.list = append(idleRunners.list, r)
	idleRunners.mu.Unlock()
}

func startRunner(python string) (*cliRunner, error) {
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	ansR, ansW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return nil, err
	}
	cmd := exec.Command(python, "-c", cliRunnerScript)
	cmd.ExtraFiles = []*os.File{reqR, ansW} // fds 3 and 4
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	childproc.DieWithParent(cmd)
	err = cmd.Start()
	reqR.Close()
	ansW.Close()
	if err != nil {
		reqW.Close()
		ansR.Close()
		return nil, fmt.Errorf("start the AWS CLI runner (%s): %w", python, err)
	}
	// The runner ends when the test binary does: its requests pipe closes.
	go cmd.Wait()
	return &cliRunner{python: python, cmd: cmd, requests: reqW, answers: bufio.NewReader(ansR)}, nil
}

func (r *cliRunner) run(bin string, env, args []string) (cliAnswer, error) {
	envMap := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			envMap[k] = v // the last one wins, as for a process
		}
	}
	req, err := json.Marshal(map[string]any{"argv0": bin, "args": args, "env": envMap})
	if err != nil {
		return cliAnswer{}, err
	}
	if _, err := r.requests.Write(append(req, '\n')); err != nil {
		return cliAnswer{}, fmt.Errorf("AWS CLI runner: %w", err)
	}
	line, err := r.answers.ReadBytes('\n')
	if err != nil {
		return cliAnswer{}, fmt.Errorf("AWS CLI runner ended without answering `aws %s` (its output is in the test log): %w", strings.Join(args, " "), err)
	}
	var a cliAnswer
	if err := json.Unmarshal(line, &a); err != nil {
		return cliAnswer{}, fmt.Errorf("AWS CLI runner answered %q: %w", line, err)
	}
	return a, nil
}

func (r *cliRunner) stop() {
	r.requests.Close()
	r.cmd.Process.Kill()
}
