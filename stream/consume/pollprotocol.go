package consume

import (
	"bytes"
	"context"
	"io"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// pollProtocol is a polling source's protocol for its GetRecords calls: the
// client's, except that a GetRecords answer of known length is read into a
// buffer of the consumer's page pool and its records decoded in place
// (rawPage), for the source to count from there and give back. The answer
// then comes out of GetRecords without Records; the page holds them. An
// answer this reader does not read in full goes to the client's decoder,
// from the same bytes, and comes out as usual.
type pollProtocol struct {
	smithyhttp.ClientProtocol
	pages *pagePool
	pg    *rawPage // the records of the last answer, when read here
}

// use makes the client's GetRecords call decode with p.
func (p *pollProtocol) use(o *kinesis.Options) {
	if _, ok := o.Protocol.(*awsjson.Protocol); ok {
		p.ClientProtocol = o.Protocol
		o.Protocol = p
	}
}

func (p *pollProtocol) DeserializeResponse(ctx context.Context, schema *smithy.OperationSchema, reg *smithy.TypeRegistry, resp *smithyhttp.Response, out smithy.Deserializable) error {
	p.done() // an earlier attempt's
	o, ok := out.(*kinesis.GetRecordsOutput)
	n := resp.ContentLength
	if !ok || resp.StatusCode < 200 || resp.StatusCode >= 300 || n <= 0 || n > maxPageBytes {
		return p.ClientProtocol.DeserializeResponse(ctx, schema, reg, resp, out)
	}
	body, err := p.pages.get(ctx, int(n))
	if err != nil {
		return err
	}
	if _, err := io.ReadFull(resp.Body, body); err != nil {
		p.pages.put(body)
		return &smithy.DeserializationError{Err: err}
	}
	pg := p.pages.page()
	if !parsePage(body, "NextShardIterator", pg) {
		p.pages.recycle(pg)
		orig := resp.Body
		resp.Body = io.NopCloser(bytes.NewReader(body))
		err := p.ClientProtocol.DeserializeResponse(ctx, schema, reg, resp, out)
		resp.Body = orig
		p.pages.put(body)
		return err
	}
	pg.own = body
	if err := pg.decodeData(body); err != nil {
		p.pages.recycle(pg)
		return &smithy.DeserializationError{Err: err}
	}
	o.NextShardIterator, o.MillisBehindLatest = pg.next, pg.behind
	p.pg = pg
	return nil
}

// page returns the records of the last answer read here, or nil when the
// SDK decoded it (its Records are the records).
func (p *pollProtocol) page() *rawPage { return p.pg }

// done gives the last answer's buffer back; its records and their data
// must not be used after.
func (p *pollProtocol) done() {
	if p.pg != nil {
		p.pages.recycle(p.pg)
		p.pg = nil
	}
}
