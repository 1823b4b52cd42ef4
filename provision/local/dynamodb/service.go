// Package dynamodb is the DynamoDB half of spk's local endpoint: the
// DynamoDB_20120810 JSON 1.0 protocol over tables and items kept in the
// shared bbolt store.
package dynamodb

import (
	"bytes"
	"encoding/json"
	"errors"
	"hash/crc32"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/service"
)

// TargetPrefix is the X-Amz-Target prefix of DynamoDB requests.
const TargetPrefix = "DynamoDB_20120810"

const errorNamespace = "com.amazonaws.dynamodb.v20120810#"

// errorTypeName is the __type DynamoDB sends for an error type: validation
// errors come from the request validator and protocol errors from the
// service framework, each in its own namespace; the rest are DynamoDB's.
// SDKs strip the namespace, so only raw HTTP clients see the difference.
func errorTypeName(typ string) string {
	switch typ {
	case "ValidationException":
		return "com.amazon.coral.validate#" + typ
	case "SerializationException", "UnknownOperationException",
		"MissingAuthenticationTokenException", "AccessDeniedException",
		"IncompleteSignatureException", "InvalidSignatureException",
		"UnrecognizedClientException":
		return "com.amazon.coral.service#" + typ
	}
	return errorNamespace + typ
}

// Service serves DynamoDB requests.
type Service struct {
	env *service.Env
	log *slog.Logger

	destTimes itemTimes // Kinesis destination records' times, per item

	mu     sync.RWMutex
	tables map[string]*table

	kdest destinations // Kinesis streaming destinations (kinesisdest.go)

	commits chan *commitOp
	// committerGone is closed when the committer has drained the queue
	// and returned: an op queued after that is never run.
	committerGone chan struct{}
	stop          chan struct{}
	wg            sync.WaitGroup
	closed        sync.Once
}

// New opens the DynamoDB service on the environment's store: it loads the
// tables, finishes lifecycle transitions interrupted by a restart and
// starts the committer and the TTL sweeper.
func New(env *service.Env) (*Service, error) {
	if env == nil || env.DB == nil {
		return nil, errors.New("dynamodb: no store in the environment")
	}
	log := env.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	s := &Service{
		env:           env,
		log:           log,
		tables:        map[string]*table{},
		commits:       make(chan *commitOp, 4096),
		committerGone: make(chan struct{}),
		stop:          make(chan struct{}),
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	if err := s.startDestinations(); err != nil {
		return nil, err
	}
	s.wg.Add(3)
	go s.committer()
	go s.ttlSweeper()
	go s.streamsMaintainer()
	return s, nil
}

// TargetPrefix implements service.Handler.
func (s *Service) TargetPrefix() string { return TargetPrefix }

// Name implements service.Handler.
func (s *Service) Name() string { return "dynamodb" }

// Has implements service.Handler.
func (s *Service) Has(op string) bool { _, ok := operations[op]; return ok }

// InternalError implements service.Handler: DynamoDB's InternalServerError,
// with its X-Amz-Crc32 like every DynamoDB answer.
func (s *Service) InternalError(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, internalServerError())
}

func internalServerError() *apiError {
	return &apiError{Type: "InternalServerError", Msg: "Internal server error", Status: 500}
}

// Close stops the background goroutines; writes in flight finish first.
func (s *Service) Close() error {
	s.closed.Do(func() {
		close(s.stop)
		s.wg.Wait()
	})
	return nil
}

type opFunc func(s *Service, body []byte) (any, error)

var operations = map[string]opFunc{
	"CreateTable":                 (*Service).createTable,
	"DescribeTable":               (*Service).describeTable,
	"ListTables":                  (*Service).listTables,
	"UpdateTable":                 (*Service).updateTable,
	"DeleteTable":                 (*Service).deleteTable,
	"PutItem":                     (*Service).putItem,
	"GetItem":                     (*Service).getItem,
	"UpdateItem":                  (*Service).updateItem,
	"DeleteItem":                  (*Service).deleteItem,
	"BatchWriteItem":              (*Service).batchWriteItem,
	"BatchGetItem":                (*Service).batchGetItem,
	"TransactWriteItems":          (*Service).transactWriteItems,
	"TransactGetItems":            (*Service).transactGetItems,
	"Query":                       (*Service).query,
	"Scan":                        (*Service).scan,
	"TagResource":                 (*Service).tagResource,
	"UntagResource":               (*Service).untagResource,
	"ListTagsOfResource":          (*Service).listTagsOfResource,
	"UpdateTimeToLive":            (*Service).updateTimeToLive,
	"DescribeTimeToLive":          (*Service).describeTimeToLive,
	"UpdateContinuousBackups":     (*Service).updateContinuousBackups,
	"DescribeContinuousBackups":   (*Service).describeContinuousBackups,
	"UpdateContributorInsights":   (*Service).updateContributorInsights,
	"DescribeContributorInsights": (*Service).describeContributorInsights,
	"ListContributorInsights":     (*Service).listContributorInsights,
	"DescribeEndpoints":           (*Service).describeEndpoints,
	"DescribeLimits":              (*Service).describeLimits,

	"EnableKinesisStreamingDestination":   (*Service).enableKinesisStreamingDestination,
	"DisableKinesisStreamingDestination":  (*Service).disableKinesisStreamingDestination,
	"DescribeKinesisStreamingDestination": (*Service).describeKinesisStreamingDestination,
	"UpdateKinesisStreamingDestination":   (*Service).updateKinesisStreamingDestination,
	"ExecuteStatement":                    (*Service).executeStatement,
	"BatchExecuteStatement":               (*Service).batchExecuteStatement,
	"ExecuteTransaction":                  (*Service).executeTransaction,
}

// ServeOp implements service.Handler.
func (s *Service) ServeOp(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	fn, ok := operations[op]
	s.serve(w, op, body, fn, ok)
}

// serve runs one operation of DynamoDB or DynamoDB Streams: the unknown
// operation, fault injection and body checks they share, then fn, whose
// result is written as JSON (or as is, when already encoded) and whose
// error as the service's error body.
func (s *Service) serve(w http.ResponseWriter, op string, body []byte, fn opFunc, known bool) {
	if !known {
		s.writeError(w, &apiError{Type: "UnknownOperationException", Msg: "An unknown operation was requested."})
		return
	}
	if s.env.Faults.Hit() {
		s.writeError(w, &apiError{Type: "InternalServerError", Msg: "Internal server error (injected fault)", Status: 500})
		return
	}
	// JSON may begin with whitespace (RFC 8259), as a pretty-printed body
	// sent by hand does; DynamoDB reads it.
	body = bytes.TrimLeft(body, " \t\r\n")
	if len(body) == 0 || body[0] != '{' {
		s.writeError(w, &apiError{Type: "SerializationException", Msg: "Start of structure or map found where not expected", Upper: true})
		return
	}
	out, err := fn(s, body)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			var se *json.UnmarshalTypeError
			if errors.As(err, &se) {
				ae = &apiError{Type: "SerializationException", Msg: "Unexpected value type in payload", Upper: true}
			} else {
				s.log.Error("dynamodb request failed", "op", op, "err", err)
				ae = internalServerError()
			}
		}
		s.writeError(w, ae)
		return
	}
	var b []byte
	switch v := out.(type) {
	case rawJSON:
		b = v
	default:
		b, err = json.Marshal(out)
		if err != nil {
			s.log.Error("dynamodb response encoding failed", "op", op, "err", err)
			s.writeError(w, internalServerError())
			return
		}
	}
	writeBody(w, http.StatusOK, b)
}

// rawJSON is a response body already encoded.
type rawJSON []byte

func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("x-amz-crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(b)), 10))
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// apiError is an error response: its type (without namespace), message and
// any extra fields (CancellationReasons, Item).
type apiError struct {
	Type   string
	Msg    string
	Status int  // 400 when zero
	Upper  bool // the message field is "Message", as AWS sends for some types
	Extra  map[string]any
}

func (e *apiError) Error() string { return e.Type + ": " + e.Msg }

func (s *Service) writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"__type": errorTypeName(e.Type)}
	if e.Upper {
		body["Message"] = e.Msg
	} else {
		body["message"] = e.Msg
	}
	for k, v := range e.Extra {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	writeBody(w, status, b)
}

func validation(msg string) error { return &apiError{Type: "ValidationException", Msg: msg} }

func notFound(msg string) error { return &apiError{Type: "ResourceNotFoundException", Msg: msg} }

func inUse(msg string) error { return &apiError{Type: "ResourceInUseException", Msg: msg} }

// stillInUse is DynamoDB's ResourceInUseException for a change that what
// is under way (why) holds up.
func stillInUse(why string) error {
	return inUse("Attempt to change a resource which is still in use: " + why)
}

// decode unmarshals a request body; a type mismatch is a
// SerializationException.
func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{Type: "SerializationException", Msg: serializationMessage(err), Upper: true}
	}
	return nil
}

func serializationMessage(err error) string {
	var se *attr.SerializationError
	if errors.As(err, &se) {
		return se.Msg
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return "Unexpected value type in payload for field " + te.Field
	}
	return "Invalid JSON in request body"
}

func (s *Service) describeEndpoints(body []byte) (any, error) {
	return map[string]any{"Endpoints": []map[string]any{{"Address": "localhost", "CachePeriodInMinutes": 1440}}}, nil
}

func (s *Service) describeLimits(body []byte) (any, error) {
	return map[string]any{"AccountMaxReadCapacityUnits": 80000, "AccountMaxWriteCapacityUnits": 80000,
		"TableMaxReadCapacityUnits": 40000, "TableMaxWriteCapacityUnits": 40000}, nil
}
