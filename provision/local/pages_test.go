package local_test

import (
	"net/http"
	"strings"
	"testing"

	local "github.com/spk-cli/spk/provision/local"
)

// TestOwnPathsDoNotWaitForABody: the endpoint's own paths and a browser's
// preflight answer without reading a body, so one declared and never sent
// does not hold the connection: the answer comes and the connection is
// closed after it.
func TestOwnPathsDoNotWaitForABody(t *testing.T) {
	for name, srv := range map[string]*local.Server{"without keys": start(t, nil), "with keys": keyed(t, nil)} {
		addr := strings.TrimPrefix(srv.URL(), "http://")
		for _, head := range []string{
			"GET " + local.HealthPath + " HTTP/1.1\r\nHost: " + addr + "\r\nContent-Length: 100\r\n\r\n",
			"HEAD /metrics HTTP/1.1\r\nHost: " + addr + "\r\nContent-Length: 100\r\n\r\n",
			"GET / HTTP/1.1\r\nHost: " + addr + "\r\nTransfer-Encoding: chunked\r\n\r\n",
			"OPTIONS / HTTP/1.1\r\nHost: " + addr + "\r\nOrigin: http://localhost:3000\r\nAccess-Control-Request-Method: POST\r\nContent-Length: 100\r\n\r\n",
		} {
			a := exchange(t, addr, head, nil)
			if a.resp.StatusCode != http.StatusOK || !a.resp.Close || !a.closed {
				t.Errorf("%s, %q: status %d, Connection: close %v, closed %v; want 200 and the connection closed",
					name, strings.SplitN(head, "\r\n", 2)[0], a.resp.StatusCode, a.resp.Close, a.closed)
			}
		}
	}
}

// TestKeylessEndpointAnswersOnlyThisMachine: without keys every request is
// taken, so pages of other origins get no CORS answer, and a request
// addressed to another name (a DNS rebinding page) is refused; with keys a
// page must sign, and both are answered.
func TestKeylessEndpointAnswersOnlyThisMachine(t *testing.T) {
	srv := start(t, nil)
	addr := strings.TrimPrefix(srv.URL(), "http://")
	preflight := func(origin string) rawAnswer {
		return exchange(t, addr, "OPTIONS / HTTP/1.1\r\nHost: "+addr+"\r\nOrigin: "+origin+"\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-amz-target\r\n\r\n", nil)
	}
	for _, origin := range []string{"http://localhost:3000", "http://127.0.0.1:8080", "https://app.localhost", "http://[::1]:5173"} {
		if a := preflight(origin); a.resp.StatusCode != 200 || a.resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("preflight from %s: %d, Allow-Origin %q; want it allowed", origin, a.resp.StatusCode, a.resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
	for _, origin := range []string{"https://evil.example", "null", "http://localhost.evil.example"} {
		if a := preflight(origin); a.resp.StatusCode != http.StatusForbidden || a.resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight from %s: %d, Allow-Origin %q; want 403 and no Allow-Origin", origin, a.resp.StatusCode, a.resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
	head := func(host string) string {
		return "POST / HTTP/1.1\r\nHost: " + host + "\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\nAuthorization: " + fakeAuth +
			"\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n"
	}
	a := exchange(t, addr, head("evil.example:4566"), []byte("{}"))
	const msg = "Host evil.example:4566 is not a loopback name: spk local without keys answers only requests addressed to localhost or a loopback address; start it with --access-key and --secret-key to serve other names."
	if a.resp.StatusCode != http.StatusForbidden || !strings.Contains(a.body, `"AccessDeniedException"`) || !strings.Contains(a.body, msg) {
		t.Errorf("a request for evil.example: %d %s", a.resp.StatusCode, a.body)
	}
	for _, host := range []string{addr, "localhost:4566", "[::1]:4566"} {
		if a := exchange(t, addr, head(host), []byte("{}")); a.resp.StatusCode != 200 {
			t.Errorf("a request for %s: %d %s", host, a.resp.StatusCode, a.body)
		}
	}
	// With keys, a page must sign: any origin and name are answered.
	k := keyed(t, nil)
	kaddr := strings.TrimPrefix(k.URL(), "http://")
	if a := exchange(t, kaddr, "OPTIONS / HTTP/1.1\r\nHost: app.example\r\nOrigin: https://app.example\r\nAccess-Control-Request-Method: POST\r\n\r\n", nil); a.resp.StatusCode != 200 || a.resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("with keys, preflight from another origin: %d", a.resp.StatusCode)
	}
}
