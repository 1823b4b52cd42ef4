package sigv4

import "testing"

func TestParse(t *testing.T) {
	cases := []struct {
		name, header string
		want         Header
		wantErr      *Error
	}{
		{"plain", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
			Header{AccessKey: "AKIAFAKE", Date: "20260101", Region: "us-east-1", Service: "kinesis", SignedHeaders: []string{"host", "x-amz-date"}, Signature: "abc"}, nil},
		{"key with slashes", "AWS4-HMAC-SHA256 Credential=A/B+=/20260101/eu-west-1/dynamodb/aws4_request,SignedHeaders=host,Signature=f",
			Header{AccessKey: "A/B+=", Date: "20260101", Region: "eu-west-1", Service: "dynamodb", SignedHeaders: []string{"host"}, Signature: "f"}, nil},
		{"missing", "", Header{}, ErrMissing},
		{"other scheme", "Basic dXNlcjpwYXNz", Header{}, ErrMalformed},
		{"no signature", "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host", Header{}, ErrMalformed},
		{"short scope", "AWS4-HMAC-SHA256 Credential=A/us-east-1/aws4_request, SignedHeaders=host, Signature=1", Header{}, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(c.header)
			if err != c.wantErr {
				t.Fatalf("error %v, want %v", err, c.wantErr)
			}
			if c.wantErr == nil && (got.AccessKey != c.want.AccessKey || got.Date != c.want.Date || got.Region != c.want.Region ||
				got.Service != c.want.Service || got.Signature != c.want.Signature || len(got.SignedHeaders) != len(c.want.SignedHeaders)) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
