// Package flood sends many large requests at once to an endpoint, the way
// an attacker would, and reads a process's peak memory, so a test and a
// benchmark can check that the endpoint's memory stays flat under it. The
// sender holds no request body in memory: bodies are zeros, written from
// one shared buffer.
package flood

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Keys sign the requests; nil Keys send them unsigned.
type Keys struct {
	AccessKey, SecretKey, Region string
}

// Result counts the answers: "403 MissingAuthenticationTokenException",
// "400 LimitExceededException", ..., or "no answer: <error>".
type Result map[string]int

func (r Result) String() string {
	var parts []string
	for k, n := range r {
		parts = append(parts, fmt.Sprintf("%d× %s", n, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// Run sends n PutRecords requests of size bytes each, all at once, over n
// connections to addr (host:port), and waits for every answer.
func Run(ctx context.Context, addr string, n int, size int64, keys *Keys) Result {
	hash := ""
	if keys != nil {
		hash = zeroHash(size)
	}
	var mu sync.Mutex
	res := Result{}
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			got := one(ctx, addr, size, keys, hash)
			mu.Lock()
			res[got]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return res
}

var zeros = make([]byte, 64<<10)

func zeroHash(size int64) string {
	h := sha256.New()
	for left := size; left > 0; {
		n := min(left, int64(len(zeros)))
		h.Write(zeros[:n])
		left -= n
	}
	return hex.EncodeToString(h.Sum(nil))
}

// one sends one request and returns its answer's status and error type.
func one(ctx context.Context, addr string, size int64, keys *Keys, hash string) string {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "no answer: " + err.Error()
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Minute))
	head, err := header(addr, size, keys, hash)
	if err != nil {
		return "no answer: " + err.Error()
	}
	// The answer may come before the body is sent (the endpoint refuses
	// from the headers), so it is read while the body is written.
	answer := make(chan string, 1)
	go func() { answer <- readAnswer(conn) }()
	go func() {
		if _, err := io.WriteString(conn, head); err != nil {
			return
		}
		for left := size; left > 0; {
			k := min(left, int64(len(zeros)))
			if _, err := conn.Write(zeros[:k]); err != nil {
				return
			}
			left -= k
		}
	}()
	return <-answer
}

func header(addr string, size int64, keys *Keys, hash string) (string, error) {
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/", nil)
	if err != nil {
		return "", err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecords")
	if keys != nil {
		creds := aws.Credentials{AccessKeyID: keys.AccessKey, SecretAccessKey: keys.SecretKey}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "kinesis", keys.Region, time.Now()); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", addr, size)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	return b.String(), nil
}

func readAnswer(conn net.Conn) string {
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return "no answer: " + err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	typ := string(body)
	if _, rest, ok := strings.Cut(typ, `"__type":"`); ok {
		typ, _, _ = strings.Cut(rest, `"`)
	}
	return strconv.Itoa(resp.StatusCode) + " " + typ
}

// PeakRSS is the peak resident set size of process pid (VmHWM), in bytes.
func PeakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("read VmHWM of process %d: %q: %w", pid, v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("process %d has no VmHWM in /proc (not Linux?)", pid)
}
