package local

import "net/http"

// exposedHeaders are the response headers a browser may let an SDK read:
// request ids, the DynamoDB checksum, the error type, and event streams'.
const exposedHeaders = "x-amzn-RequestId, x-amzn-ErrorType, x-amzn-ErrorMessage, x-amz-id-2, x-amz-crc32, x-amz-request-id, Date, ETag, Content-Type, Content-Length"

// cors answers a browser's preflight (OPTIONS with Access-Control-Request-Method)
// for any origin and the headers it asks for, and marks every answer to a
// request that carries Origin as readable, so the browser builds of the AWS
// SDKs work against the endpoint. It reports whether the request was a
// preflight and so is answered.
func cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
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
