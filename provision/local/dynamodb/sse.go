package dynamodb

import (
	"strings"

	"github.com/google/uuid"
)

// Server-side encryption is described, not performed: the store is the
// user's own disk. A table created or updated with SSESpecification
// Enabled answers SSEDescription as DynamoDB does, so tools that compare
// what they asked for with what DescribeTable says (Terraform, CDK) see no
// drift; without it, as on DynamoDB, the table has no SSEDescription (it is
// encrypted with a key AWS owns).

// sseSpecification is the request's SSESpecification.
type sseSpecification struct {
	Enabled        *bool   `json:"Enabled"`
	SSEType        *string `json:"SSEType"`
	KMSMasterKeyId *string `json:"KMSMasterKeyId"`
}

// sseState is a table's stored encryption description.
type sseState struct {
	Status          string // ENABLED, or UPDATING until an update settles
	SSEType         string
	KMSMasterKeyArn string
	Disabling       bool `json:",omitempty"` // the update settles into no description
}

// check validates the members DynamoDB constrains.
func (spec *sseSpecification) check(c *constraints) {
	if spec != nil {
		c.enum("sSESpecification.sSEType", spec.SSEType, "AES256", "KMS")
	}
}

// enables reports whether a specification turns encryption on: Enabled,
// or, without Enabled, an SSEType (DynamoDB infers the one from the other;
// an empty specification enables nothing).
func (spec *sseSpecification) enables() bool {
	if spec == nil {
		return false
	}
	if spec.Enabled != nil {
		return *spec.Enabled
	}
	return spec.SSEType != nil
}

// enabledState is the description of encryption a specification enables
// with status, or nil when it does not enable it.
func (s *Service) enabledState(spec *sseSpecification, status string) *sseState {
	if !spec.enables() {
		return nil
	}
	typ := "KMS"
	if spec.SSEType != nil {
		typ = *spec.SSEType
	}
	return &sseState{Status: status, SSEType: typ, KMSMasterKeyArn: s.kmsKeyArn(spec.KMSMasterKeyId)}
}

// kmsKeyArn is the ARN of the key a specification names: an ARN as given,
// an alias or a key id in the endpoint's region and account, or DynamoDB's
// AWS-managed key, by default or named by its alias (one per region and
// account, a fixed id here). Another alias is described by its alias ARN:
// there is no KMS to resolve it.
func (s *Service) kmsKeyArn(id *string) string {
	prefix := "arn:aws:kms:" + s.env.Region + ":" + s.env.AccountID + ":"
	switch {
	case id == nil || *id == "" || *id == "alias/aws/dynamodb" || *id == prefix+"alias/aws/dynamodb":
		return prefix + "key/" + uuid.NewSHA1(uuid.NameSpaceURL, []byte(prefix+"alias/aws/dynamodb")).String()
	case strings.HasPrefix(*id, "arn:"):
		return *id
	case strings.HasPrefix(*id, "alias/"):
		return prefix + *id
	}
	return prefix + "key/" + *id
}

// updateSSE applies an UpdateTable's SSESpecification: the description
// turns UPDATING, and settles into the new key or into none. An empty
// specification changes nothing.
func (s *Service) updateSSE(m *tableMeta, spec *sseSpecification) {
	if spec == nil || spec.Enabled == nil && spec.SSEType == nil {
		return
	}
	if next := s.enabledState(spec, "UPDATING"); next != nil {
		m.SSE = next
		return
	}
	if m.SSE != nil {
		disabling := *m.SSE
		disabling.Status, disabling.Disabling = "UPDATING", true
		m.SSE = &disabling
	}
}

// settleSSE finishes an encryption update.
func settleSSE(m *tableMeta) {
	switch {
	case m.SSE == nil:
	case m.SSE.Disabling:
		m.SSE = nil
	default:
		settled := *m.SSE
		settled.Status = "ENABLED"
		m.SSE = &settled
	}
}

// describeSSE is a table's SSEDescription, or nil.
func describeSSE(m *tableMeta) map[string]any {
	if m.SSE == nil {
		return nil
	}
	return map[string]any{"Status": m.SSE.Status, "SSEType": m.SSE.SSEType, "KMSMasterKeyArn": m.SSE.KMSMasterKeyArn}
}
