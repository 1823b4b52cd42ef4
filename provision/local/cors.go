package local

import (
	"net/http"
	"net/url"
)

// exposedHeaders are the response headers a browser may let an SDK read:
// request ids, the DynamoDB checksum, the error type, and event streams'.
const exposedHeaders = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amz-id-2, x-amz-crc32, x-amz-request-id, Date, ETag, Content-Type, Content-Length"

// cors answers a browser's preflight (OPTIONS with Access-Control-Request-Method)
// with the headers it asks for, and marks every answer to a request that
// carries Origin as readable, so the browser builds of the AWS SDKs work
// against the endpoint. Without keys (keyless) only pages served from this
// machine (a loopback origin) are answered: any page the user opens could
// otherwise read and delete the local streams and tables; with keys a page
// must sign with them. It reports whether the request was a preflight and
// so is answered (refused, for another origin without keys).
func cors(w http.ResponseWriter, r *http.Request, keyless bool) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	if keyless && !loopbackOrigin(origin) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.WriteHeader(http.StatusForbidden) // no Allow-Origin: the browser stops there
			return true
		}
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", exposedHeaders)
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", "86400")
	h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	w.WriteHeader(http.StatusOK)
	return true
}

// loopbackOrigin reports whether a page's origin is served from this
// machine: http(s)://localhost, a loopback address, with any port.
func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return loopbackHost(u.Host)
}
